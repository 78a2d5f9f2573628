#include "kore_gateway/upstream/answer_parser.hpp"

namespace kore_gateway {

bool is_kept_answer_field(http::field name) {
    return name == http::field::content_type || name == http::field::cache_control ||
           name == http::field::content_length || name == http::field::location ||
           name == http::field::content_location;
}

void answer_parser::on_response_impl(int code, beast::string_view, int version, error_code&) {
    // The reason phrase is left out: nothing reads it, and storing it costs an allocation.
    res_.result(static_cast<unsigned>(code));
    res_.version(version);
}

void answer_parser::on_field_impl(http::field name, beast::string_view name_string,
                                  beast::string_view value, error_code&) {
    if (is_kept_answer_field(name)) {
        res_.insert(name, name_string, value);
    }
}

void answer_parser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                                      error_code& ec) {
    body_.emplace(res_.base(), res_.body());
    body_->init(content_length, ec);
}

std::size_t answer_parser::on_body_impl(beast::string_view body, error_code& ec) {
    return body_->put(net::buffer(body.data(), body.size()), ec);
}

std::size_t answer_parser::on_chunk_body_impl(std::uint64_t, beast::string_view body,
                                              error_code& ec) {
    return body_->put(net::buffer(body.data(), body.size()), ec);
}

void answer_parser::on_finish_impl(error_code& ec) {
    if (body_) {
        body_->finish(ec);
    }
}

} // namespace kore_gateway
