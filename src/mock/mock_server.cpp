#include "kore_gateway/mock/mock_server.hpp"

#include <algorithm>
#include <cctype>
#include <exception>
#include <future>
#include <optional>
#include <sstream>
#include <type_traits>

namespace kore_gateway {

namespace {

constexpr auto handshake_timeout = std::chrono::seconds(5);
constexpr auto write_timeout = std::chrono::seconds(10);
constexpr std::size_t request_body_limit = 8 * 1024 * 1024;
// What wrong_content_length promises beyond the bytes it sends.
constexpr std::size_t missing_bytes = 100;

// The reply chosen for a request, and whether it waits for mock_server::release_answers().
struct chosen_answer {
    mock_reply reply;
    bool held = false;
};
using answer_fn = std::function<chosen_answer(recorded_request)>;

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

recorded_request record(const http::request<http::string_body>& req) {
    recorded_request rec{
        std::string(req.method_string()), std::string(req.target()), {}, req.body()};
    for (const auto& field : req) {
        auto [it, inserted] =
            rec.headers.emplace(lower(field.name_string()), std::string(field.value()));
        if (!inserted) {
            it->second += ", " + std::string(field.value());
        }
    }
    return rec;
}

// The status line and header block of res, as it goes on the wire.
std::string header_bytes(const http::response<http::string_body>& res) {
    std::ostringstream out;
    out << res.base();
    return out.str();
}

// One write's worth of what the endless faults repeat.
// The byte a trickle sends n-th: a status line, then one header line over and over.
char trickle_byte(std::size_t n) {
    constexpr std::string_view status_line = "HTTP/1.1 200 OK\r\n";
    constexpr std::string_view header_line = "X-Trickle: slow\r\n";
    return n < status_line.size() ? status_line[n]
                                  : header_line[(n - status_line.size()) % header_line.size()];
}

std::string endless_piece(fault what) {
    if (what == fault::endless_headers) {
        std::string lines;
        for (int i = 0; i < 16; ++i) {
            lines += "X-Endless: " + std::string(50, 'h') + "\r\n";
        }
        return lines;
    }
    return "400\r\n" + std::string(0x400, 'c') + "\r\n";
}

// A handler that throws or answers nonsense gets a 500 naming why, instead of ending the thread.
mock_reply handler_failure(std::string why) {
    mock_reply reply;
    reply.status = 500;
    reply.content_type = "text/plain";
    reply.body = "mock handler failed: " + why;
    return reply;
}

} // namespace

std::string recorded_request::header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
}

std::string recorded_request::path() const {
    return target.substr(0, target.find('?'));
}

// What the server needs of each connection, whatever its stream; used on the server's thread.
class mock_connection {
public:
    virtual ~mock_connection() = default;
    virtual void close() = 0;
    // Closes the connection if it waits for a request, or right after the answer it is writing.
    virtual void close_if_idle() = 0;
    // Sends the answer if it is held.
    virtual void release() = 0;
    virtual bool is_held() const = 0;
};

namespace {

// One accepted connection: reads requests, answers them or misbehaves as the reply says. All of
// its handlers run on the server's single thread, which is its implicit strand.
template <class Stream>
class connection final : public mock_connection,
                         public std::enable_shared_from_this<connection<Stream>> {
    static constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

public:
    connection(tcp::socket&& socket, ssl::context* tls, answer_fn answer)
        : stream_(make_stream(std::move(socket), tls)), timer_(stream_.get_executor()),
          answer_(std::move(answer)) {}

    void run() {
        if constexpr (is_tls) {
            beast::get_lowest_layer(stream_).expires_after(handshake_timeout);
            stream_.async_handshake(
                ssl::stream_base::server,
                beast::bind_front_handler(&connection::on_handshake, this->shared_from_this()));
        } else {
            do_read();
        }
    }

    // Closes the socket at once: pending operations end with operation_aborted.
    void close() override {
        timer_.cancel();
        error_code ec;
        auto& socket = beast::get_lowest_layer(stream_).socket();
        socket.shutdown(tcp::socket::shutdown_both, ec);
        socket.close(ec);
    }

    // An answer being written counts as idle: its peer may already hold the whole answer and
    // pool the connection before on_write runs.
    void close_if_idle() override {
        if (phase_ == phase::reading) {
            close();
        } else if (phase_ == phase::writing) {
            close_after_write_ = true;
        }
    }

    void release() override {
        if (phase_ == phase::held) {
            phase_ = phase::answering;
            timer_.cancel(); // on_held_over finds the phase moved on
        }
    }

    bool is_held() const override { return phase_ == phase::held; }

private:
    static Stream make_stream(tcp::socket&& socket, ssl::context* tls) {
        if constexpr (is_tls) {
            return Stream(std::move(socket), *tls);
        } else {
            return Stream(std::move(socket));
        }
    }

    void on_handshake(error_code ec) {
        if (ec) {
            return close();
        }
        do_read();
    }

    void do_read() {
        parser_.emplace();
        parser_->body_limit(request_body_limit);
        phase_ = phase::reading;
        // An idle keep-alive connection stays until the peer, close_idle_connections() or
        // stop() ends it: tests decide when pooled connections die.
        beast::get_lowest_layer(stream_).expires_never();
        http::async_read(stream_, buffer_, *parser_,
                         beast::bind_front_handler(&connection::on_read, this->shared_from_this()));
    }

    void on_read(error_code ec, std::size_t) {
        phase_ = phase::answering;
        if (ec) {
            // end_of_stream, operation_aborted and unreadable requests alike end the connection.
            return close();
        }
        auto req = parser_->release();
        keep_alive_ = req.keep_alive();
        auto [reply, held] = answer_(record(req));
        reply_ = std::move(reply);
        if (held) {
            return do_hold();
        }
        send_reply();
    }

    void do_hold() {
        phase_ = phase::held;
        timer_.expires_at(net::steady_timer::time_point::max());
        timer_.async_wait(
            beast::bind_front_handler(&connection::on_held_over, this->shared_from_this()));
    }

    // Cancelled either by release(), which has moved the phase on, or by close().
    void on_held_over(error_code) {
        if (phase_ == phase::held) {
            return close();
        }
        send_reply();
    }

    // Answers, or misbehaves, as reply_ says.
    void send_reply() {
        switch (reply_.what) {
        case fault::none:
        case fault::delay:
            return reply_.delay.count() > 0 ? do_wait(&connection::on_delay_over) : do_write();
        case fault::close_before_answer:
            return close();
        case fault::close_mid_body:
            return do_write_raw(half_body());
        case fault::garbage:
            return do_write_raw("\x16\x03\x01 this is not HTTP \x7f\r\n\r\n");
        case fault::hang:
            return do_hang();
        case fault::wrong_content_length:
            return do_write_raw(short_body());
        case fault::endless_headers:
            return do_write_raw("HTTP/1.1 200 OK\r\n");
        case fault::endless_chunked:
            return do_write_raw(header_bytes(chunked_start()));
        case fault::trickle:
            return do_write_raw(std::string(1, trickle_byte(trickled_++)));
        case fault::raw:
            return do_write_raw(reply_.body);
        }
    }

    http::response<http::string_body> make_response() const {
        http::response<http::string_body> res;
        res.version(11);
        res.result(reply_.status);
        res.set(http::field::server, "kore-gateway-mock");
        if (!reply_.content_type.empty()) {
            res.set(http::field::content_type, reply_.content_type);
        }
        for (const auto& [name, value] : reply_.headers) {
            res.insert(name, value);
        }
        res.keep_alive(keep_alive_ && !reply_.close);
        res.body() = reply_.body;
        res.prepare_payload();
        return res;
    }

    std::string half_body() const {
        auto res = make_response();
        if (res.body().size() < 2) {
            res.body() = R"({"padding":"a body long enough to be cut in half"})";
            res.prepare_payload();
        }
        return header_bytes(res) + res.body().substr(0, res.body().size() / 2);
    }

    std::string short_body() const {
        auto res = make_response();
        res.content_length(res.body().size() + missing_bytes);
        return header_bytes(res) + res.body();
    }

    http::response<http::string_body> chunked_start() const {
        auto res = make_response();
        res.erase(http::field::content_length);
        res.chunked(true);
        return res;
    }

    void do_wait(void (connection::*next)(error_code)) {
        timer_.expires_after(reply_.delay);
        timer_.async_wait(beast::bind_front_handler(next, this->shared_from_this()));
    }

    void on_delay_over(error_code ec) {
        if (ec) {
            return close();
        }
        do_write();
    }

    void do_write() {
        res_ = make_response();
        phase_ = phase::writing;
        beast::get_lowest_layer(stream_).expires_after(write_timeout);
        http::async_write(
            stream_, res_,
            beast::bind_front_handler(&connection::on_write, this->shared_from_this()));
    }

    void on_write(error_code ec, std::size_t) {
        if (ec || close_after_write_) {
            return close();
        }
        if (!res_.keep_alive()) {
            return do_shutdown();
        }
        do_read();
    }

    // Faults write without a deadline: only the peer or stop() ends them.
    void do_write_raw(std::string bytes) {
        raw_ = std::move(bytes);
        beast::get_lowest_layer(stream_).expires_never();
        net::async_write(
            stream_, net::buffer(raw_),
            beast::bind_front_handler(&connection::on_write_raw, this->shared_from_this()));
    }

    void on_write_raw(error_code ec, std::size_t) {
        if (ec) {
            return close();
        }
        switch (reply_.what) {
        case fault::wrong_content_length:
            return do_wait(&connection::on_linger_over);
        case fault::endless_headers:
        case fault::endless_chunked:
            return do_write_raw(endless_piece(reply_.what));
        case fault::trickle:
            return do_wait(&connection::on_trickle_pause_over);
        case fault::raw:
            return reply_.close ? close() : do_read();
        default:
            return close();
        }
    }

    void on_linger_over(error_code) { close(); }

    void on_trickle_pause_over(error_code ec) {
        if (ec) {
            return close();
        }
        do_write_raw(std::string(1, trickle_byte(trickled_++)));
    }

    // Reads and drops whatever comes, so that the peer closing is noticed.
    void do_hang() {
        buffer_.clear();
        stream_.async_read_some(
            buffer_.prepare(1024),
            beast::bind_front_handler(&connection::on_hang_read, this->shared_from_this()));
    }

    void on_hang_read(error_code ec, std::size_t) {
        if (ec) {
            return close();
        }
        do_hang();
    }

    void do_shutdown() {
        if constexpr (is_tls) {
            beast::get_lowest_layer(stream_).expires_after(handshake_timeout);
            stream_.async_shutdown(
                beast::bind_front_handler(&connection::on_shutdown, this->shared_from_this()));
        } else {
            close();
        }
    }

    // Whether the peer answered close_notify or not, the connection is done.
    void on_shutdown(error_code) { close(); }

    Stream stream_;
    net::steady_timer timer_;
    answer_fn answer_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    mock_reply reply_;
    http::response<http::string_body> res_;
    std::string raw_;
    std::size_t trickled_ = 0; // bytes a trickle has sent
    bool keep_alive_ = false;
    enum class phase { reading, held, answering, writing } phase_ = phase::answering;
    bool close_after_write_ = false;
};

template <class Stream>
std::shared_ptr<mock_connection> start_connection(tcp::socket&& socket, ssl::context* tls,
                                                  answer_fn answer) {
    auto conn = std::make_shared<connection<Stream>>(std::move(socket), tls, std::move(answer));
    conn->run();
    return conn;
}

} // namespace

mock_server::mock_server(mock_handler handler, std::shared_ptr<ssl::context> tls)
    : tls_(std::move(tls)), handler_(std::make_shared<mock_handler>(std::move(handler))) {
    const tcp::endpoint endpoint(net::ip::make_address_v4("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
    port_ = acceptor_.local_endpoint().port();
    do_accept();
    thread_ = std::thread([this] { ioc_.run(); });
}

mock_server::~mock_server() {
    stop();
}

std::string mock_server::base_url() const {
    return (tls_ ? "https://localhost:" : "http://127.0.0.1:") + std::to_string(port_);
}

std::vector<recorded_request> mock_server::requests() const {
    std::lock_guard lock(mutex_);
    return {requests_.begin(), requests_.end()};
}

std::size_t mock_server::request_count() const {
    std::lock_guard lock(mutex_);
    return request_count_;
}

void mock_server::close_idle_connections() {
    on_server_thread([this] {
        for (const auto& conn : live_connections()) {
            conn->close_if_idle();
        }
    });
}

void mock_server::hold_answers() {
    on_server_thread([this] { holding_ = true; });
}

void mock_server::release_answers() {
    on_server_thread([this] {
        holding_ = false;
        for (const auto& conn : live_connections()) {
            conn->release();
        }
    });
}

std::size_t mock_server::held_answers() {
    std::size_t held = 0;
    on_server_thread([this, &held] {
        const auto live = live_connections();
        held = static_cast<std::size_t>(std::count_if(
            live.begin(), live.end(), [](const auto& conn) { return conn->is_held(); }));
    });
    return held;
}

std::size_t mock_server::open_connections() {
    std::size_t open = 0;
    on_server_thread([this, &open] { open = live_connections().size(); });
    return open;
}

void mock_server::set_handler(mock_handler handler) {
    std::lock_guard lock(mutex_);
    handler_ = std::make_shared<mock_handler>(std::move(handler));
}

void mock_server::stop() {
    if (stopped_.exchange(true)) {
        return;
    }
    // Closing every socket before stopping lets each peer see the end at once; the connections'
    // aborted handlers are then dropped with the io_context.
    net::post(ioc_, [this] {
        error_code ec;
        acceptor_.close(ec);
        for (const auto& conn : live_connections()) {
            conn->close();
        }
        ioc_.stop();
    });
    thread_.join();
}

void mock_server::on_server_thread(const std::function<void()>& fn) {
    if (stopped_) {
        return;
    }
    std::promise<void> done;
    net::post(ioc_, [&fn, &done] {
        fn();
        done.set_value();
    });
    done.get_future().wait();
}

std::vector<std::shared_ptr<mock_connection>> mock_server::live_connections() const {
    std::vector<std::shared_ptr<mock_connection>> live;
    for (const auto& weak : connections_) {
        if (auto conn = weak.lock()) {
            live.push_back(std::move(conn));
        }
    }
    return live;
}

void mock_server::do_accept() {
    acceptor_.async_accept(ioc_, beast::bind_front_handler(&mock_server::on_accept, this));
}

void mock_server::on_accept(error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) {
        return;
    }
    if (!ec) {
        ++accepted_;
        std::erase_if(connections_, [](const auto& weak) { return weak.expired(); });
        answer_fn answer_request = [this](recorded_request req) {
            return chosen_answer{answer(std::move(req)), holding_};
        };
        connections_.push_back(tls_ ? start_connection<beast::ssl_stream<beast::tcp_stream>>(
                                          std::move(socket), tls_.get(), std::move(answer_request))
                                    : start_connection<beast::tcp_stream>(
                                          std::move(socket), nullptr, std::move(answer_request)));
    }
    // A failed accept (the peer gave up in the backlog) concerns that peer only.
    do_accept();
}

mock_reply mock_server::answer(recorded_request req) {
    std::shared_ptr<mock_handler> handler;
    {
        std::lock_guard lock(mutex_);
        requests_.push_back(req);
        ++request_count_;
        if (requests_.size() > max_recorded_requests) {
            requests_.pop_front();
        }
        handler = handler_;
    }
    try {
        auto reply = (*handler)(req);
        if (reply.status < 100 || reply.status > 999) {
            return handler_failure("status " + std::to_string(reply.status) +
                                   " is not an HTTP status");
        }
        return reply;
    } catch (const std::exception& e) {
        return handler_failure(std::string("threw: ") + e.what());
    }
}

} // namespace kore_gateway
