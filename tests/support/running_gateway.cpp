#include "support/running_gateway.hpp"

namespace kore_gateway::testing {

gateway_config test_config() {
    gateway_config config;
    config.port = 0;
    config.threads = 2;
    config.request_read_timeout = std::chrono::milliseconds(2000);
    config.idle_timeout = std::chrono::milliseconds(5000);
    config.drain_timeout = std::chrono::milliseconds(3000);
    config.upstream_timeout = std::chrono::milliseconds(2000);
    return config;
}

running_gateway::running_gateway(gateway_config config, std::string extra_ca_pem, const clock& clk)
    : app_(std::make_unique<gateway_app>(std::move(config), std::move(extra_ca_pem),
                                         config_source{}, clk)) {
    app_->start();
}

running_gateway::~running_gateway() {
    stop();
}

void running_gateway::stop() {
    app_->request_stop();
    app_->wait();
}

} // namespace kore_gateway::testing
