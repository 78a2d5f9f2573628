#include "kore_gateway/redis/redis_url.hpp"

#include <charconv>

#include <boost/url.hpp>

#include "kore_gateway/util/ascii.hpp"
#include "kore_gateway/util/url.hpp"

namespace kore_gateway {

namespace {

redis_url_result refuse(std::string why) {
    return {std::nullopt, std::move(why)};
}

// A database number: a whole decimal number, nothing around it.
std::optional<int> parse_db(std::string_view text) {
    unsigned value = 0; // unsigned: no sign is accepted, not even "-0"
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() ||
        value > 1'000'000) {
        return std::nullopt;
    }
    return static_cast<int>(value);
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
        const auto port = parse_port(u.port());
        if (!port) {
            return refuse("the port must be a number from 1 to 65535");
        }
        result.port = *port;
    }
    std::string_view path = u.encoded_path();
    if (path.starts_with('/')) {
        path.remove_prefix(1);
    }
    if (!path.empty()) {
        const auto db = parse_db(path);
        if (!db) {
            return refuse("the path must be empty or a database number, as in redis://host:6379/2");
        }
        result.db = *db;
    }
    return {std::move(result), {}};
}

} // namespace kore_gateway
