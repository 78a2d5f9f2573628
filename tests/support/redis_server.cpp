#include "support/redis_server.hpp"

#include <fstream>
#include <stdexcept>

#include <boost/asio.hpp>

#include "support/eventually.hpp"

namespace kore_gateway::testing {

namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

// A loopback port nobody listens on right now: the kernel picks it for a socket bound to port 0,
// which is closed again before redis-server binds it.
std::uint16_t free_loopback_port() {
    net::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(net::ip::address_v4::loopback(), 0));
    return acceptor.local_endpoint().port();
}

// True once something on port answers an inline PING with a RESP line: "+PONG", or "-NOAUTH"
// when a password is required. Both mean the server is ready for clients.
bool answers_ping(std::uint16_t port) {
    net::io_context io;
    tcp::socket socket(io);
    boost::system::error_code ec;
    socket.connect(tcp::endpoint(net::ip::address_v4::loopback(), port), ec);
    if (ec) {
        return false;
    }
    net::write(socket, net::buffer(std::string_view("PING\r\n")), ec);
    std::string line;
    net::read_until(socket, net::dynamic_buffer(line), "\r\n", ec);
    return !ec && (line.starts_with("+PONG") || line.starts_with("-NOAUTH"));
}

} // namespace

redis_server::redis_server(std::string password, std::optional<pem_identity> tls)
    : password_(std::move(password)), tls_(tls.has_value()) {
    port_ = free_loopback_port();
    if (tls) {
        std::ofstream(dir_.path() + "/cert.pem") << tls->certificate_pem;
        std::ofstream(dir_.path() + "/key.pem") << tls->private_key_pem;
    }
    start();
}

redis_server::~redis_server() = default;

std::string redis_server::url(int db) const {
    return (tls_ ? "rediss://127.0.0.1:" : "redis://127.0.0.1:") + std::to_string(port_) + "/" +
           std::to_string(db);
}

void redis_server::kill() {
    process_.reset();
}

void redis_server::restart() {
    kill();
    start();
}

void redis_server::start() {
    std::vector<std::string> args{"--bind",       "127.0.0.1", "--save", "",
                                  "--appendonly", "no",        "--dir",  dir_.path()};
    if (tls_) {
        args.insert(args.end(), {"--port", "0", "--tls-port", std::to_string(port_),
                                 "--tls-cert-file", dir_.path() + "/cert.pem", "--tls-key-file",
                                 dir_.path() + "/key.pem", "--tls-auth-clients", "no"});
    } else {
        args.insert(args.end(), {"--port", std::to_string(port_)});
    }
    if (!password_.empty()) {
        args.insert(args.end(), {"--requirepass", password_});
    }
    process_ = std::make_unique<child_process>("/usr/bin/redis-server", args,
                                               std::map<std::string, std::string>{}, dir_.path(),
                                               dir_.path() + "/redis.log");
    // Over TLS an inline PING cannot be sent: the log line written once the port is bound says it.
    const auto ready = [this] {
        return tls_ ? process_->output().find("Ready to accept connections") != std::string::npos
                    : answers_ping(port_);
    };
    if (!eventually(ready)) {
        throw std::runtime_error("redis-server did not answer on port " + std::to_string(port_) +
                                 ":\n" + process_->output());
    }
}

} // namespace kore_gateway::testing
