// Parses an upstream's HTTP/1.1 answer into an upstream_response, keeping only the header fields
// the gateway reads (is_kept_answer_field); Beast's basic_parser does the parsing, framing and
// limits exactly as for Beast's own response_parser.
//
// Why not http::response_parser: it stores every field of every answer (one heap node each,
// kept in a sorted tree) and the reason phrase (another allocation), then the gateway reads two
// of them. Profiles of the forward path named that header bookkeeping among its top costs.
#pragma once

#include <optional>

#include "kore_gateway/upstream/upstream_client.hpp"

namespace kore_gateway {

// The fields an upstream_response carries: what the forwarder passes on or decides by
// (Content-Type, Cache-Control) and the framing (Content-Length, for HEAD answers).
bool is_kept_answer_field(http::field name);

class answer_parser final : public http::basic_parser<false> {
public:
    answer_parser() = default;

    // The answer parsed so far; whole once is_done().
    upstream_response& get() { return res_; }
    upstream_response release() { return std::move(res_); }

private:
    // Never called: this parser reads responses.
    void on_request_impl(http::verb, beast::string_view, beast::string_view, int,
                         error_code&) override {}
    // Beast clears ec before each of these calls: they set it only on an error.
    void on_response_impl(int code, beast::string_view reason, int version,
                          error_code& ec) override;
    void on_field_impl(http::field name, beast::string_view name_string, beast::string_view value,
                       error_code& ec) override;
    void on_header_impl(error_code&) override {}
    void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                           error_code& ec) override;
    std::size_t on_body_impl(beast::string_view body, error_code& ec) override;
    void on_chunk_header_impl(std::uint64_t, beast::string_view, error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t remain, beast::string_view body,
                                   error_code& ec) override;
    void on_finish_impl(error_code& ec) override;

    upstream_response res_;
    // The body as Beast's string_body reads it (the same size checks); set up with the body.
    std::optional<http::string_body::reader> body_;
};

} // namespace kore_gateway
