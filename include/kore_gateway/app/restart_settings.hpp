// The settings a reload cannot change (CONTRACT.md section 14): they shape the listener, the I/O
// threads, the sessions' limits, the cache and the upstream connection pools, which live as long
// as the process.
#pragma once

#include <string>
#include <vector>

#include "kore_gateway/config/config.hpp"

namespace kore_gateway {

// Sets every restart-only setting of next to its value in running, and returns the names (as
// the file spells them) of those that differed, for the log.
std::vector<std::string> keep_restart_settings(const gateway_config& running, gateway_config& next);

} // namespace kore_gateway
