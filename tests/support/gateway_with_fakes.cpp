#include "support/gateway_with_fakes.hpp"

#include <utility>

#include "kore_gateway/app/demo_mode.hpp"

namespace kore_gateway::testing {

namespace {

// base with test_config()'s listener, threads and short timeouts.
gateway_config with_test_settings(gateway_config base) {
    const auto settings = test_config();
    base.listen_address = settings.listen_address;
    base.port = settings.port;
    base.threads = settings.threads;
    base.request_read_timeout = settings.request_read_timeout;
    base.idle_timeout = settings.idle_timeout;
    base.drain_timeout = settings.drain_timeout;
    base.upstream_timeout = settings.upstream_timeout;
    return base;
}

} // namespace

gateway_with_fakes::gateway_with_fakes(gateway_options options) : options_(std::move(options)) {
    if (options_.fakes) {
        chosen_ = std::make_unique<fwd_fakes>(options_.fakes->trusted, options_.fakes->options);
    } else {
        demo_ = std::make_unique<demo_upstreams>();
    }
    if (options_.start_gateway) {
        start();
    }
}

void gateway_with_fakes::start(const adjust_config& adjust) {
    auto base = options_.base ? with_test_settings(*options_.base) : test_config();
    auto config = demo_ ? with_demo_upstreams(std::move(base), *demo_) : chosen_->config(base);
    if (options_.adjust) {
        options_.adjust(config);
    }
    if (adjust) {
        adjust(config);
    }
    config_ = config;
    gateway_ = std::make_unique<running_gateway>(
        std::move(config), options_.trust_fakes_ca ? ca_pem() : "", gateway_clock());
}

std::unique_ptr<running_gateway> gateway_with_fakes::replica() const {
    return std::make_unique<running_gateway>(config_, options_.trust_fakes_ca ? ca_pem() : "",
                                             gateway_clock());
}

const clock& gateway_with_fakes::gateway_clock() const {
    return options_.clock ? *options_.clock : steady_clock::instance();
}

const std::string& gateway_with_fakes::ca_pem() const {
    return demo_ ? demo_->ca_pem() : chosen_->ca_pem();
}

fake_auth& gateway_with_fakes::auth() {
    return demo_ ? demo_->auth() : chosen_->auth();
}

fake_kore& gateway_with_fakes::kore() {
    return demo_ ? demo_->kore() : chosen_->kore();
}

fake_catalog& gateway_with_fakes::catalog() {
    return demo_ ? demo_->catalog() : chosen_->catalog();
}

} // namespace kore_gateway::testing
