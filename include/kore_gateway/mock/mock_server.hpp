// A small in-process HTTP/1.1 server on 127.0.0.1, plain or TLS, that answers through a test's
// handler and can misbehave on purpose: the base of every fake upstream.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "kore_gateway/net.hpp"

namespace kore_gateway {

// One request as the server read it.
struct recorded_request {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers; // lower-case names
    std::string body;

    // The value of a header (name in lower case), empty when absent.
    std::string header(const std::string& name) const;
    // target without its query.
    std::string path() const;
};

// How an answer goes wrong on purpose.
enum class fault {
    none,
    close_before_answer,  // closes the connection instead of answering
    close_mid_body,       // sends the headers and half the body, then closes
    garbage,              // writes bytes that are not HTTP, then closes
    delay,                // answers normally after mock_reply::delay
    hang,                 // never answers; keeps the connection until stop() or the peer closes
    wrong_content_length, // announces more body than it sends, waits mock_reply::delay, closes
    endless_headers,      // writes header lines forever
    endless_chunked,      // writes chunked body data forever
    trickle,              // writes an endless header one byte per mock_reply::delay: every read
                          // makes progress, only the reader's overall deadline can end it
    raw,                  // writes mock_reply::body verbatim as the whole answer, then reads the
                          // next request (or closes when mock_reply::close)
};

struct mock_reply {
    unsigned status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers; // extra headers
    fault what = fault::none;
    // How long the answer waits (none, delay) or the close waits (wrong_content_length); on a
    // timer, the server's thread never sleeps.
    std::chrono::milliseconds delay{0};
    bool close = false; // close the connection after answering
};

// Called on the server's thread, one request at a time; state it keeps lives from call to call.
using mock_handler = std::function<mock_reply(const recorded_request&)>;

class mock_connection;

class mock_server {
public:
    static constexpr std::size_t max_recorded_requests = 1000;

    // Listens on 127.0.0.1, an ephemeral port, at once; TLS when tls is given.
    explicit mock_server(mock_handler handler, std::shared_ptr<ssl::context> tls = nullptr);
    ~mock_server();
    mock_server(const mock_server&) = delete;
    mock_server& operator=(const mock_server&) = delete;

    std::uint16_t port() const { return port_; }
    // "https://localhost:PORT" with TLS (the certificate's host name), else
    // "http://127.0.0.1:PORT".
    std::string base_url() const;

    // The requests read, oldest first; only the last max_recorded_requests are kept, so that a
    // long --demo run does not grow without bound.
    std::vector<recorded_request> requests() const;
    // Every request read, including those no longer kept.
    std::size_t request_count() const;
    // Every accepted TCP connection, including those whose TLS handshake failed.
    std::size_t accepted_connections() const { return accepted_.load(); }

    // Closes, before returning, the connections that wait for their next request; one whose
    // answer is being written closes as soon as it is written. Never call it from a handler.
    void close_idle_connections();
    // From now on every answer, once the handler has chosen it (faults included), waits until
    // release_answers(): a test decides when requests piling up behind one exchange may end.
    // Like close_idle_connections, these three wait for the server's thread: never from a handler.
    void hold_answers();
    // Sends the held answers and stops holding.
    void release_answers();
    // Answers held now, counted on the server's thread.
    std::size_t held_answers();
    // Connections not yet closed and gone, counted on the server's thread.
    std::size_t open_connections();
    void set_handler(mock_handler handler);
    // Closes every connection and joins the thread; idempotent. Never call it from a handler.
    void stop();

private:
    // Runs fn on the server's thread and returns once it has run; does nothing once stopped.
    void on_server_thread(const std::function<void()>& fn);
    // The connections not yet gone; on the server's thread.
    std::vector<std::shared_ptr<mock_connection>> live_connections() const;
    void do_accept();
    void on_accept(error_code ec, tcp::socket socket);
    // Records req and asks the handler, on the server's thread.
    mock_reply answer(recorded_request req);

    net::io_context ioc_{1};
    tcp::acceptor acceptor_{ioc_};
    std::shared_ptr<ssl::context> tls_;
    std::uint16_t port_ = 0;
    std::vector<std::weak_ptr<mock_connection>> connections_; // touched on the server's thread
    bool holding_ = false;                                    // touched on the server's thread

    mutable std::mutex mutex_;
    // Shared, so that a handler with state (a mutable lambda) keeps it from call to call.
    std::shared_ptr<mock_handler> handler_;
    std::deque<recorded_request> requests_;
    std::size_t request_count_ = 0;
    std::atomic<std::size_t> accepted_{0};
    std::atomic<bool> stopped_{false};
    std::thread thread_;
};

} // namespace kore_gateway
