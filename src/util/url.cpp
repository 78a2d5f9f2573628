#include "kore_gateway/util/url.hpp"

#include <algorithm>
#include <charconv>

#include "kore_gateway/util/ascii.hpp"

namespace kore_gateway {

std::string url::host_header() const {
    const bool default_port = (is_tls() && port == 443) || (!is_tls() && port == 80);
    return default_port ? host : host + ":" + std::to_string(port);
}

std::string url::origin() const {
    return scheme + "://" + host + ":" + std::to_string(port);
}

bool is_host_name(std::string_view host) {
    return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
        return is_ascii_alnum(c) || c == '.' || c == '-' || c == '_';
    });
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value == 0 ||
        value > 65535) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(value);
}

std::optional<url> parse_url(std::string_view text) {
    url result;
    if (text.starts_with("https://")) {
        result.scheme = "https";
        result.port = 443;
        text.remove_prefix(8);
    } else if (text.starts_with("http://")) {
        result.scheme = "http";
        result.port = 80;
        text.remove_prefix(7);
    } else {
        return std::nullopt;
    }
    const auto path_start = text.find('/');
    std::string_view authority = text.substr(0, path_start);
    std::string_view path = path_start == std::string_view::npos ? "" : text.substr(path_start);
    if (authority.empty() || authority.find('@') != std::string_view::npos ||
        text.find_first_of("?# ") != std::string_view::npos) {
        return std::nullopt;
    }
    if (const auto colon = authority.rfind(':');
        colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
        const auto port = parse_port(authority.substr(colon + 1));
        if (!port) {
            return std::nullopt;
        }
        result.port = *port;
        authority = authority.substr(0, colon);
    }
    if (!is_host_name(authority)) {
        return std::nullopt;
    }
    result.host = std::string(authority);
    while (path.ends_with('/')) {
        path.remove_suffix(1);
    }
    result.path = std::string(path);
    return result;
}

} // namespace kore_gateway
