// kore-demo-upstreams: the fake upstreams of `kore-gateway --demo` as a process of their own, so
// that several gateways (scripts/replicas.sh) share one set and its request counts show what
// reached the upstreams. Usage: kore-demo-upstreams DIR
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "kore_gateway/mock/demo_upstreams.hpp"

using namespace kore_gateway;
namespace fs = std::filesystem;

namespace {

// Written before any content, so that the demo secrets are never readable by others.
void write_private_file(const fs::path& path, const std::string& content) {
    std::ofstream(path, std::ios::trunc).close();
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
    std::ofstream out(path, std::ios::trunc);
    out << content;
    if (!out.flush()) {
        throw std::runtime_error("cannot write " + path.string());
    }
}

std::string environment_of(demo_upstreams& demo, const fs::path& ca_file) {
    const auto& credentials = demo.credentials();
    return "KORE_API_URL=" + demo.kore_url() + "\nKORE_AUTH_URL=" + demo.auth_token_url() +
           "\nKORE_CLIENT_ID=" + credentials.client_id +
           "\nKORE_CLIENT_SECRET=" + credentials.client_secret +
           "\nKORE_SCOPE=" + credentials.scope + "\nKORE_API_KEY=" + credentials.kore_api_key +
           "\nCATALOG_API_URL=" + demo.catalog_url() +
           "\nCATALOG_API_KEY=" + credentials.catalog_api_key +
           "\nGATEWAY_CA_FILE=" + ca_file.string() + "\n";
}

// One line, for scripts: what reached each fake since the start.
void print_counts(demo_upstreams& demo) {
    std::cout << "requests: token=" << demo.auth().token_requests()
              << " kore=" << demo.kore().server().request_count()
              << " catalog=" << demo.catalog().server().request_count() << std::endl;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: kore-demo-upstreams DIR\n";
        return 2;
    }
    // Blocked before the servers' threads exist, so that they inherit the mask and only
    // sigwait below receives these signals.
    sigset_t signals;
    sigemptyset(&signals);
    for (const int signal : {SIGTERM, SIGINT, SIGUSR1}) {
        sigaddset(&signals, signal);
    }
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    try {
        const fs::path dir = fs::absolute(argv[1]);
        fs::create_directories(dir);
        demo_upstreams demo;
        write_private_file(dir / "ca.pem", demo.ca_pem());
        write_private_file(dir / "upstreams.env", environment_of(demo, dir / "ca.pem"));
        std::cout << "kore-demo-upstreams: ready: kore " << demo.kore_url() << ", catalog "
                  << demo.catalog_url() << ", token server " << demo.auth_token_url()
                  << "; settings in " << (dir / "upstreams.env").string() << std::endl;
        for (;;) {
            int received = 0;
            sigwait(&signals, &received);
            print_counts(demo);
            if (received != SIGUSR1) {
                return 0;
            }
        }
    } catch (const std::exception& e) {
        std::cerr << "kore-demo-upstreams: " << e.what() << "\n";
        return 1;
    }
}
