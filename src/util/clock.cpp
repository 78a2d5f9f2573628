#include "kore_gateway/util/clock.hpp"

namespace kore_gateway {

steady_clock& steady_clock::instance() {
    static steady_clock clock;
    return clock;
}

} // namespace kore_gateway
