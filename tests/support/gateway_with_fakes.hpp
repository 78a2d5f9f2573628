// The one fixture of the integration tests: the real gateway pointed at fake auth, KORE, Catalog
// (and billing) servers over real TLS (a CA made for the run), all in-process on ephemeral
// loopback ports, with options for what differs between tests.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "kore_gateway/mock/demo_upstreams.hpp"
#include "support/fwd_fakes.hpp"
#include "support/running_gateway.hpp"

namespace kore_gateway::testing {

using adjust_config = std::function<void(gateway_config&)>;

// Fakes with the CA, credentials, TLS identities and catalog token a test chooses.
struct chosen_fakes {
    test_pki trusted = make_test_pki("fwd test CA");
    fwd_options options{};
};

struct gateway_options {
    // A loaded config file (its routes, TTLs and upstreams) instead of test_config(), keeping
    // test_config()'s listener, threads and short timeouts.
    std::optional<gateway_config> base{};
    // Changes the configuration (TTLs, timeouts, ...) before the gateway starts.
    adjust_config adjust{};
    // Instead of the demo's fakes (demo credentials, a billing upstream, the catalog on its API
    // key alone).
    std::optional<chosen_fakes> fakes{};
    // The fakes' CA is handed to the gateway in memory; false: as in production, the gateway
    // trusts only config.ca_file (or the system CAs).
    bool trust_fakes_ca = true;
    // False: the constructor starts only the fakes, and start() the gateway.
    bool start_gateway = true;
    // The gateway's clock, for tests that step time; null: the steady clock. It must outlive the
    // fixture.
    const kore_gateway::clock* clock = nullptr;
};

class gateway_with_fakes {
public:
    explicit gateway_with_fakes(gateway_options options = {});
    // The common case: the demo's fakes, test_config() changed by adjust.
    explicit gateway_with_fakes(adjust_config adjust)
        : gateway_with_fakes(gateway_options{.adjust = std::move(adjust)}) {}

    // Starts the gateway the options deferred; adjust, when given, runs after options.adjust, for
    // a configuration that needs what the test learnt from the fakes.
    void start(const adjust_config& adjust = {});

    // Another gateway with this one's configuration, on the same fakes and a port of its own: a
    // replica (CONTRACT.md section 13). Stop it before this fixture.
    std::unique_ptr<running_gateway> replica() const;

    std::uint16_t port() const { return gateway_->port(); }
    running_gateway& gateway() { return *gateway_; }
    // The CA the gateway trusts for the fakes.
    const std::string& ca_pem() const;
    fake_auth& auth();
    fake_kore& kore();
    fake_catalog& catalog();

    // With the demo's fakes only.
    demo_upstreams& upstreams() { return *demo_; }
    fake_auth& billing_auth() { return demo_->billing_auth(); }
    fake_billing& billing() { return demo_->billing(); }
    // With chosen fakes only.
    fwd_fakes& fakes() { return *chosen_; }

private:
    const clock& gateway_clock() const;

    gateway_options options_;
    gateway_config config_; // the gateway's, once started
    // Before the gateway: it must stop before its upstreams.
    std::unique_ptr<demo_upstreams> demo_;
    std::unique_ptr<fwd_fakes> chosen_;
    std::unique_ptr<running_gateway> gateway_;
};

} // namespace kore_gateway::testing
