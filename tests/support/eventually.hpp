// Bounded polling for conditions another thread or process makes true.
#pragma once

#include <chrono>
#include <functional>

namespace kore_gateway::testing {

// How long a test waits for something that takes far less: a broken component fails the test
// instead of hanging it.
inline constexpr std::chrono::seconds test_bound{5};

// Calls condition every 10 ms until it holds or timeout has passed; returns its last value.
bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = test_bound);

} // namespace kore_gateway::testing
