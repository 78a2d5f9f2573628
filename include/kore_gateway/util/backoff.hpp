// Exponential backoff with jitter, for whatever retries after failures: token requests, JWKS
// fetches, Redis reconnects.
#pragma once

#include <chrono>

#include "kore_gateway/util/clock.hpp"

namespace kore_gateway {

// How long to wait before retrying after consecutive failures.
struct backoff_policy {
    clock::duration initial = std::chrono::milliseconds(500);
    clock::duration max = std::chrono::seconds(30);
};

// The delay after the n-th consecutive failure (n >= 1): initial doubled n - 1 times, capped at
// max, then shortened by up to a quarter according to jitter (in [0, 1]) so that processes that
// failed together do not retry together.
clock::duration backoff_delay(const backoff_policy& policy, int failures, double jitter);

} // namespace kore_gateway
