// The real gateway, started in-process on an ephemeral loopback port for integration tests and
// stopped (drained) when the object goes out of scope.
#pragma once

#include <memory>
#include <string>

#include "kore_gateway/app/gateway_app.hpp"
#include "kore_gateway/config/config.hpp"

namespace kore_gateway::testing {

// Defaults for tests: 127.0.0.1:0, two I/O threads, short timeouts.
gateway_config test_config();

class running_gateway {
public:
    // clk: the gateway's clock (see gateway_app); it must outlive the gateway.
    explicit running_gateway(gateway_config config = test_config(), std::string extra_ca_pem = {},
                             const clock& clk = steady_clock::instance());
    ~running_gateway();

    std::uint16_t port() const { return app_->local_endpoint().port(); }
    gateway_app& app() { return *app_; }
    // Starts a drain and waits for the gateway to stop.
    void stop();

private:
    std::unique_ptr<gateway_app> app_;
};

} // namespace kore_gateway::testing
