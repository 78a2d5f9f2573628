// Parsing of the absolute upstream URLs named in the configuration.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kore_gateway {

struct url {
    std::string scheme; // "https" or "http"
    std::string host;
    std::uint16_t port = 0;
    std::string path; // without a trailing '/', empty for the root

    bool is_tls() const { return scheme == "https"; }
    // "host" or "host:port" as the Host header wants it (port omitted when it is the default).
    std::string host_header() const;
    // scheme://host:port, the key that identifies one connection pool.
    std::string origin() const;
};

// Accepts http(s)://host[:port][/path]; no user info, query or fragment.
std::optional<url> parse_url(std::string_view text);

// The pieces of an authority the configuration's URLs (upstreams, GATEWAY_REDIS_URL) accept:
// a host name of letters, digits, '.', '-' and '_'; a port from 1 to 65535, digits only.
bool is_host_name(std::string_view host);
std::optional<std::uint16_t> parse_port(std::string_view text);

} // namespace kore_gateway
