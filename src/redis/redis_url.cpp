#include "kore_gateway/redis/redis_url.hpp"

#include <algorithm>
#include <charconv>

#include <boost/url.hpp>

#include "kore_gateway/util/ascii.hpp"

namespace kore_gateway {

namespace {

redis_url_result refuse(std::string why) {
    return {std::nullopt, std::move(why)};
}

// A whole decimal number in [min, max], nothing around it.
std::optional<unsigned> parse_number(std::string_view text, unsigned min, unsigned max) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value < min ||
        value > max) {
        return std::nullopt;
    }
    return value;
}

bool is_host_name(std::string_view host) {
    return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
        return is_ascii_alnum(c) || c == '.' || c == '-' || c == '_';
    });
}

} // namespace

std::string redis_url::to_string() const {
    std::string text = tls ? "rediss://" : "redis://";
    if (!user.empty()) {
        text += boost::urls::encode(user, boost::urls::unreserved_chars) + "@";
    }
    text += host.find(':') != std::string::npos ? "[" + host + "]" : host;
    return text + ":" + std::to_string(port) + "/" + std::to_string(db);
}

redis_url_result parse_redis_url(std::string_view text) {
    const auto parsed = boost::urls::parse_uri(text);
    if (!parsed) {
        return refuse("not an absolute URL of the form redis://[user@]host:port[/db]");
    }
    const auto& u = *parsed;
    redis_url result;
    if (iequals_ascii(u.scheme(), "rediss")) {
        result.tls = true;
    } else if (!iequals_ascii(u.scheme(), "redis")) {
        return refuse("the scheme must be redis:// or rediss://");
    }
    if (!u.has_authority() || u.encoded_host().empty()) {
        return refuse("the URL names no host");
    }
    if (u.has_password()) {
        return refuse("the URL must not hold a password: set GATEWAY_REDIS_PASSWORD instead");
    }
    if (u.has_query() || u.has_fragment()) {
        return refuse("the URL must not have a query or a fragment");
    }
    result.user = u.user();
    switch (u.host_type()) {
    case boost::urls::host_type::ipv4:
    case boost::urls::host_type::ipv6:
        result.host = u.host_address();
        break;
    case boost::urls::host_type::name:
        result.host = u.host();
        if (!is_host_name(result.host)) {
            return refuse("the host must be a DNS name or an IP address");
        }
        break;
    case boost::urls::host_type::ipvfuture:
    case boost::urls::host_type::none:
        return refuse("the host must be a DNS name or an IP address");
    }
    if (u.has_port()) {
        const auto port = parse_number(u.port(), 1, 65535);
        if (!port) {
            return refuse("the port must be a number from 1 to 65535");
        }
        result.port = static_cast<std::uint16_t>(*port);
    }
    std::string_view path = u.encoded_path();
    if (path.starts_with('/')) {
        path.remove_prefix(1);
    }
    if (!path.empty()) {
        const auto db = parse_number(path, 0, 1'000'000);
        if (!db) {
            return refuse("the path must be empty or a database number, as in redis://host:6379/2");
        }
        result.db = static_cast<int>(*db);
    }
    return {std::move(result), {}};
}

} // namespace kore_gateway
