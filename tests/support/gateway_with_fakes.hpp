// The real gateway pointed at the fake auth, KORE, Catalog and billing servers over real TLS (a CA
// made for the run), all in-process on ephemeral loopback ports.
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
        start(test_config(), adjust);
    }
    // The same from base (a loaded config file: its routes, TTLs and upstreams) instead of
    // test_config(), keeping test_config()'s listener, threads and short timeouts.
    explicit gateway_with_fakes(gateway_config base,
                                const std::function<void(gateway_config&)>& adjust = {}) {
        const auto settings = test_config();
        base.listen_address = settings.listen_address;
        base.port = settings.port;
        base.threads = settings.threads;
        base.request_read_timeout = settings.request_read_timeout;
        base.idle_timeout = settings.idle_timeout;
        base.drain_timeout = settings.drain_timeout;
        base.upstream_timeout = settings.upstream_timeout;
        start(std::move(base), adjust);
    }

    std::uint16_t port() const { return gateway_->port(); }
    running_gateway& gateway() { return *gateway_; }
    demo_upstreams& upstreams() { return upstreams_; }
    fake_auth& auth() { return upstreams_.auth(); }
    fake_kore& kore() { return upstreams_.kore(); }
    fake_catalog& catalog() { return upstreams_.catalog(); }
    fake_auth& billing_auth() { return upstreams_.billing_auth(); }
    fake_billing& billing() { return upstreams_.billing(); }

private:
    void start(gateway_config base, const std::function<void(gateway_config&)>& adjust) {
        auto config = with_demo_upstreams(std::move(base), upstreams_);
        if (adjust) {
            adjust(config);
        }
        gateway_ = std::make_unique<running_gateway>(std::move(config), upstreams_.ca_pem());
    }

    demo_upstreams upstreams_; // first: the gateway must stop before its upstreams
    std::unique_ptr<running_gateway> gateway_;
};

} // namespace kore_gateway::testing
