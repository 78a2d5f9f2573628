// Request desynchronisation through the real session on a real loopback connection: whatever
// bytes a client sends, a request the session rejected is the last one it reads on that
// connection (its body is never parsed as a next request), every request it hands on has one
// unambiguous body length, and every answer on the wire belongs to a request (CONTRACT.md 16).
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_input.hpp"
#include "kore_gateway/config/config.hpp"
#include "kore_gateway/http/shared_body.hpp"
#include "kore_gateway/metrics/gateway_metrics.hpp"
#include "kore_gateway/server/connection_tracker.hpp"
#include "kore_gateway/server/session.hpp"
#include "kore_gateway/util/ascii.hpp"

namespace kore_gateway {
namespace {

void require(bool holds) {
    if (!holds) {
        __builtin_trap();
    }
}

// Independent of the session's own check: the raw Transfer-Encoding text of an accepted request
// is one "chunked" and nothing else, and never comes with a Content-Length.
void require_unambiguous_length(const request& req) {
    const auto codings = req.count(http::field::transfer_encoding);
    if (codings == 0) {
        return;
    }
    require(codings == 1 && req.count(http::field::content_length) == 0);
    std::string_view value = req[http::field::transfer_encoding];
    while (!value.empty() &&
           (value.front() == ' ' || value.front() == '\t' || value.front() == ',')) {
        value.remove_prefix(1);
    }
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t' || value.back() == ',')) {
        value.remove_suffix(1);
    }
    require(iequals_ascii(value, "chunked"));
}

response small_answer(http::status status) {
    response res{status, 11};
    res.set(http::field::content_type, "application/json");
    res.body() = make_body("{}");
    return res;
}

// Answers every request at once (on the session's thread) and records what it saw.
class recording_handler final : public request_handler {
public:
    void handle(request req, const request_context&, respond_fn done) override {
        require(!rejected_); // nothing is read after a rejection
        require_unambiguous_length(req);
        ++answers_;
        done(small_answer(http::status::ok));
    }
    response reject(rejection, std::string_view, const http::request_header<>*,
                    const request_context&) override {
        require(!rejected_);
        rejected_ = true;
        ++answers_;
        return small_answer(http::status::bad_request);
    }
    std::optional<response> answer_before_body(const http::request_header<>& header,
                                               const request_context&) override {
        if (!header.target().starts_with("/early")) {
            return std::nullopt;
        }
        require(!rejected_);
        rejected_ = true; // the body is never read: the connection must end here too
        ++answers_;
        return small_answer(http::status::not_found);
    }
    std::size_t answers() const { return answers_; }

private:
    bool rejected_ = false;
    std::size_t answers_ = 0;
};

std::size_t count_status_lines(std::string_view wire) {
    std::size_t count = 0;
    for (auto at = wire.find("HTTP/1."); at != std::string_view::npos;
         at = wire.find("HTTP/1.", at + 1)) {
        ++count;
    }
    return count;
}

void run_connection(std::string_view bytes) {
    static gateway_metrics metrics;
    static const gateway_config defaults;
    static const session_limits limits{defaults.max_body_bytes, defaults.max_header_bytes,
                                       std::chrono::milliseconds(2000),
                                       std::chrono::milliseconds(2000)};
    net::io_context ioc;
    tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    tcp::socket client(ioc);
    session::socket_type server(ioc);
    // Not a blocking connect and accept: libFuzzer's timeout alarm (SIGALRM) interrupts those
    // (EINTR, thrown), while the reactor's wait simply resumes.
    client.async_connect(acceptor.local_endpoint(), [](error_code ec) { require(!ec); });
    acceptor.async_accept(server, [](error_code ec) { require(!ec); });
    ioc.run();
    ioc.restart();

    recording_handler handler;
    connection_tracker tracker(8, metrics);
    require(tracker.try_reserve());
    {
        auto connection = std::make_shared<session>(std::move(server), handler, limits, tracker);
        tracker.attach(connection);
        connection->run();
    }
    // The whole input, then end of stream: the session reads what it will, answers, and closes.
    // Into the socket's buffer before the session runs (the input fits); a send the alarm
    // interrupted is resumed where it stopped.
    for (std::size_t sent = 0; sent < bytes.size();) {
        error_code write_ec;
        sent += net::write(client, net::buffer(bytes.data() + sent, bytes.size() - sent), write_ec);
        require(!write_ec || write_ec == net::error::interrupted);
    }
    client.shutdown(tcp::socket::shutdown_send);
    ioc.run();

    std::string wire;
    error_code ec;
    std::array<char, 4096> chunk{};
    for (;;) {
        const auto n = client.read_some(net::buffer(chunk), ec);
        wire.append(chunk.data(), n);
        if (ec && ec != net::error::interrupted) {
            break;
        }
    }
    // Interim "100 Continue" lines aside, one answer per request the handler saw.
    std::size_t interim = 0;
    for (auto at = wire.find("HTTP/1.1 100 Continue"); at != std::string::npos;
         at = wire.find("HTTP/1.1 100 Continue", at + 1)) {
        ++interim;
    }
    require(count_status_lines(wire) - interim <= handler.answers());
}

} // namespace
} // namespace kore_gateway

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    kore_gateway::run_connection(kore_gateway::fuzz::as_text(data, size));
    return 0;
}
