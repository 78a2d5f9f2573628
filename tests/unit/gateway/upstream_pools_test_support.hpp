// The fixture of the upstream_pools and upstream_registry tests: pools on an io_context that only
// runs when a test polls it, and what those tests read back (token requests sent, whether a
// provider was stopped, a circuit's gauge).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "kore_gateway/gateway/upstream_pools.hpp"
#include "kore_gateway/upstream/tls_context.hpp"
#include "support/metrics.hpp"

namespace kore_gateway::testing {

class upstream_pools_fixture : public ::testing::Test {
protected:
    // Runs what is ready now, and nothing that waits: no exchange gets further than its connect.
    void poll() {
        ioc_.restart();
        ioc_.poll();
    }

    // Token requests the provider of upstream name has sent (0 when it sent none).
    double token_requests(const std::string& name) const {
        return metric_value(metrics_.render(),
                            "kore_gateway_token_requests_total{upstream=\"" + name + "\"}")
            .value_or(0);
    }

    std::optional<double> circuit_gauge(const std::string& name) const {
        return metric_value(metrics_.render(),
                            "kore_gateway_circuit_open{upstream=\"" + name + "\"}");
    }

    // A stopped provider fails a caller at once, without sending a token request; a running one
    // without a token sends one. name: the provider's metrics label.
    bool is_stopped(token_provider& provider, const std::string& name) {
        const auto before = token_requests(name);
        // Shared: a running provider keeps the callback, and may call it after this returns.
        auto result = std::make_shared<std::optional<token_errc>>();
        provider.async_get([result](token_errc ec, auto) { *result = ec; });
        poll();
        return *result == token_errc::unavailable && token_requests(name) == before;
    }

    // The outcome of one exchange on client once the ready work has run; nullopt while it is
    // still under way (connecting). Reads how many connections the client had opened by then.
    std::optional<upstream_errc> exchange_once(per_thread_client& client,
                                               std::uint64_t& connections_opened) {
        auto result = std::make_shared<std::optional<upstream_errc>>();
        client.async_exchange(upstream_request(http::verb::get, "/"),
                              [result](upstream_result answer) { *result = answer.error; });
        poll();
        connections_opened = client.snapshot().connections_opened;
        return *result;
    }

    // Opens breaker with failures_to_open failures.
    static void open_circuit(circuit_breaker& breaker, unsigned failures_to_open) {
        for (unsigned i = 0; i < failures_to_open; ++i) {
            breaker.record(breaker.admit(), circuit_breaker::outcome::failure);
        }
    }

    net::io_context ioc_; // first: the pools' clients and providers use it until the end
    manual_clock clock_;
    gateway_metrics metrics_;
    upstream_pools pools_{{ioc_.get_executor()}, make_client_tls_context("", ""), metrics_, clock_};
};

// Port 1 of the loopback: nothing listens there, so a connect is refused at once.
inline url closed_port_url(std::string_view path = "/token") {
    return *parse_url("http://127.0.0.1:1" + std::string(path));
}

} // namespace kore_gateway::testing
