// A Beast body whose bytes are an immutable, shared string: a cached answer is written to any
// number of clients without being copied.
#pragma once

#include <memory>
#include <string>

#include "kore_gateway/net.hpp"

namespace kore_gateway {

struct shared_body {
    using value_type = std::shared_ptr<const std::string>;

    static std::uint64_t size(const value_type& body) { return body ? body->size() : 0; }

    class writer {
    public:
        using const_buffers_type = net::const_buffer;

        template <bool is_request, class Fields>
        writer(const http::header<is_request, Fields>&, const value_type& body) : body_(body) {}

        void init(error_code& ec) { ec = {}; }

        boost::optional<std::pair<const_buffers_type, bool>> get(error_code& ec) {
            ec = {};
            if (!body_ || body_->empty()) {
                return boost::none;
            }
            return std::make_pair(net::const_buffer(body_->data(), body_->size()), false);
        }

    private:
        const value_type& body_;
    };
};

inline shared_body::value_type make_body(std::string text) {
    return std::make_shared<const std::string>(std::move(text));
}

} // namespace kore_gateway
