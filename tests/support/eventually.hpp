// Bounded polling for conditions another thread or process makes true.
#pragma once

#include <chrono>
#include <functional>

namespace kore_gateway::testing {

// Calls condition every 10 ms until it holds or timeout has passed; returns its last value.
bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(5));

} // namespace kore_gateway::testing
