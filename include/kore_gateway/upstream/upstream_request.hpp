// One request to an upstream origin, kept the way it goes on the wire: each header line is
// rendered when it is set, so that writing the request is one append of the lines instead of a
// node allocated per field and a walk over them (Beast's basic_fields), which allocation and CPU
// profiles of the forward path named (bench/RESULTS.md, optimisation 14).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "kore_gateway/net.hpp"

namespace kore_gateway {

class upstream_request {
public:
    upstream_request() = default;
    upstream_request(http::verb method, std::string target);

    http::verb method() const { return method_; }
    const std::string& target() const { return target_; } // path and query

    // Adds the line "name: value". Host, Connection, Content-Length and Transfer-Encoding belong
    // to the connection, which writes them (write_to): set() ignores them. A name or value with a
    // CR, LF or NUL in it would split the header into lines of someone else's choosing, so it is
    // refused too (false); the gateway's own values are checked where they come in (the
    // configuration, the token reply), which makes that a second line of defence.
    bool set(std::string_view name, std::string_view value);
    bool set(http::field name, std::string_view value);
    // Room for this many bytes of lines, so that setting them allocates once.
    void reserve(std::size_t line_bytes) { lines_.reserve(line_bytes); }
    // Adds every line of other (checked when other's were set): for the lines that are the same
    // on every request to an upstream, set once on a template instead of one by one each time.
    void add_lines_of(const upstream_request& other) { lines_ += other.lines_; }
    // The value of the first line named name (case-insensitive); empty when there is none.
    std::string_view operator[](std::string_view name) const;
    std::string_view operator[](http::field name) const;

    std::string& body() { return body_; }
    const std::string& body() const { return body_; }

    // The deadline of this exchange when it differs from the client's (a route's timeout_ms);
    // zero: the client's.
    std::chrono::milliseconds timeout() const { return timeout_; }
    void timeout(std::chrono::milliseconds t) { timeout_ = t; }

    // Appends the whole HTTP/1.1 request to wire: the request line, Host, the lines set, a
    // Content-Length when there is a body (or the method expects one), the empty line, the body.
    void write_to(std::string& wire, std::string_view host) const;

private:
    http::verb method_ = http::verb::get;
    std::string target_ = "/";
    std::string lines_; // "Name: value\r\n" each
    std::string body_;
    std::chrono::milliseconds timeout_{0};
};

} // namespace kore_gateway
