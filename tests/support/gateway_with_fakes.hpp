// The real gateway pointed at the fake auth, KORE and Catalog servers over real TLS (a CA made
// for the run), all in-process on ephemeral loopback ports.
#pragma once

#include <functional>
#include <memory>

#include "kore_gateway/app/demo_mode.hpp"
#include "kore_gateway/mock/demo_upstreams.hpp"
#include "support/running_gateway.hpp"

namespace kore_gateway::testing {

class gateway_with_fakes {
public:
    // adjust may change the configuration (TTLs, timeouts, ...) before the gateway starts.
    explicit gateway_with_fakes(const std::function<void(gateway_config&)>& adjust = {}) {
        auto config = with_demo_upstreams(test_config(), upstreams_);
        if (adjust) {
            adjust(config);
        }
        gateway_ = std::make_unique<running_gateway>(std::move(config), upstreams_.ca_pem());
    }

    std::uint16_t port() const { return gateway_->port(); }
    running_gateway& gateway() { return *gateway_; }
    demo_upstreams& upstreams() { return upstreams_; }
    fake_auth& auth() { return upstreams_.auth(); }
    fake_kore& kore() { return upstreams_.kore(); }
    fake_catalog& catalog() { return upstreams_.catalog(); }

private:
    demo_upstreams upstreams_; // first: the gateway must stop before its upstreams
    std::unique_ptr<running_gateway> gateway_;
};

} // namespace kore_gateway::testing
