// A real redis-server for the tests: Debian's binary on a free loopback port, nothing persisted,
// started and ready when the constructor returns, killed by PID with the object.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "kore_gateway/mock/test_certificates.hpp"
#include "support/child_process.hpp"

namespace kore_gateway::testing {

class redis_server {
public:
    // password non-empty: the server requires it (--requirepass). tls: the server speaks only
    // TLS (rediss://), presenting that identity, and does not ask clients for certificates.
    explicit redis_server(std::string password = {}, std::optional<pem_identity> tls = {});
    ~redis_server();
    redis_server(const redis_server&) = delete;
    redis_server& operator=(const redis_server&) = delete;

    std::uint16_t port() const { return port_; }
    // redis://127.0.0.1:PORT/db, or rediss://...
    std::string url(int db = 0) const;

    // Kills the server (SIGKILL, as a crash would) and waits for it to end.
    void kill();
    // Starts it again on the same port, empty, and waits until it answers.
    void restart();

private:
    void start();

    std::string password_;
    bool tls_ = false;
    std::uint16_t port_ = 0;
    temporary_directory dir_;
    std::unique_ptr<child_process> process_;
};

} // namespace kore_gateway::testing
