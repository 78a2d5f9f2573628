// Where the Redis shared tier is (GATEWAY_REDIS_URL): redis://[user@]host[:port][/db] or
// rediss://... for TLS. The password never goes in the URL; it comes from GATEWAY_REDIS_PASSWORD.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kore_gateway {

struct redis_url {
    bool tls = false; // rediss://
    std::string host; // a DNS name or an IP literal (an IPv6 one without its brackets)
    std::uint16_t port = 6379;
    std::string user; // ACL user for AUTH; empty: AUTH with the password alone
    int db = 0;       // SELECT after connecting

    // The URL back in its normal form, safe for logs (it holds no secret).
    std::string to_string() const;
    bool operator==(const redis_url&) const = default;
};

struct redis_url_result {
    std::optional<redis_url> url;
    std::string error; // why the text was refused; never quotes the text, which may hold a password
};

redis_url_result parse_redis_url(std::string_view text);

} // namespace kore_gateway
