#include "kore_gateway/util/backoff.hpp"

#include <algorithm>

namespace kore_gateway {

clock::duration backoff_delay(const backoff_policy& policy, int failures, double jitter) {
    auto base = policy.initial;
    for (int i = 1; i < failures && base < policy.max; ++i) {
        base *= 2;
    }
    base = std::min(base, policy.max);
    const double shortening = 0.25 * std::clamp(jitter, 0.0, 1.0);
    return std::chrono::duration_cast<clock::duration>(base * (1.0 - shortening));
}

} // namespace kore_gateway
