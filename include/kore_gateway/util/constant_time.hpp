// Secret comparison that does not reveal, through timing, how much of a guess was right.
#pragma once

#include <string_view>

namespace kore_gateway {

// Both sides are hashed (SHA-256) first, so neither the content nor the length of the secret
// shows in the comparison time.
bool constant_time_equals(std::string_view a, std::string_view b);

} // namespace kore_gateway
