// The upstreams of the soak test: the fake auth, KORE and Catalog servers of --demo, over plain
// HTTP on loopback, with about one request in a hundred to KORE and Catalog spoiled on purpose
// (connection closed before the answer or halfway through the body, a 500, a slow answer).
// Prints the gateway's environment (NAME=value lines) on stdout, then serves until SIGTERM or
// SIGINT and reports on stderr how many requests it saw and spoiled.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>

#include "kore_gateway/mock/fake_upstreams.hpp"

namespace {

using namespace kore_gateway;

// One request in `period` gets a fault; the kinds take turns, so every kind shows up.
constexpr std::uint64_t period = 100;

struct fault_counters {
    std::atomic<std::uint64_t> requests{0};
    std::atomic<std::uint64_t> spoiled{0};
};

template <class Fake> void inject_faults(Fake& fake, fault_counters& counters) {
    fake.server().set_handler([&fake, &counters](const recorded_request& req) {
        auto reply = fake.handle(req);
        const auto n = ++counters.requests;
        if (n % period != 0) {
            return reply;
        }
        ++counters.spoiled;
        switch ((n / period) % 4) {
        case 0:
            reply.what = fault::close_before_answer;
            break;
        case 1:
            reply.what = fault::close_mid_body;
            break;
        case 2:
            reply.status = 500;
            reply.body = R"({"error":"internal_error","message":"injected by the soak"})";
            break;
        default:
            reply.delay = std::chrono::milliseconds(300);
            break;
        }
        return reply;
    });
}

} // namespace

int main() {
    // Blocked before any thread starts, so that every thread inherits the mask and sigwait below
    // is the only receiver.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    const std::string client_id = "soak-client";
    const std::string client_secret = "soak-secret";
    const std::string scope = "pss-api";
    const std::string kore_key = "soak-kore-key";
    const std::string catalog_key = "soak-catalog-key";
    fake_auth auth(client_id, client_secret, scope);
    fake_kore kore(kore_key, auth);
    fake_catalog catalog(catalog_key);
    fault_counters counters;
    inject_faults(kore, counters);
    inject_faults(catalog, counters);

    std::cout << "GATEWAY_ALLOW_INSECURE_UPSTREAM=1\n"
              << "KORE_AUTH_URL=" << auth.token_url() << "\n"
              << "KORE_CLIENT_ID=" << client_id << "\n"
              << "KORE_CLIENT_SECRET=" << client_secret << "\n"
              << "KORE_SCOPE=" << scope << "\n"
              << "KORE_API_URL=" << kore.base_url() << "\n"
              << "KORE_API_KEY=" << kore_key << "\n"
              << "CATALOG_API_URL=" << catalog.base_url() << "\n"
              << "CATALOG_API_KEY=" << catalog_key << std::endl;

    int received = 0;
    sigwait(&signals, &received);
    std::cerr << "soak_upstream: requests=" << counters.requests.load()
              << " spoiled=" << counters.spoiled.load()
              << " token_requests=" << auth.token_requests() << std::endl;
    return 0;
}
