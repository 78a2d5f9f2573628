// The routes that go upstream, as data (CONTRACT.md section 10): the four built-ins and the
// config file's "routes". One route_row is the only place that knows a route's methods, path
// template, parameter patterns, upstream, upstream path and method, query rules, forwarded
// headers, body schema, cache TTL and invalidations; the matcher, the dispatcher, the cached
// fetch and the OpenAPI generator only read rows.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "kore_gateway/config/config.hpp"
#include "kore_gateway/config/json_schema.hpp"
#include "kore_gateway/net.hpp"
#include "kore_gateway/util/regex.hpp"

namespace kore_gateway {

// A pattern a whole value must match (anchored). Without a pattern: the contract's default
// [A-Za-z0-9_-]{1,128}, checked without a regex (it is on every request's path).
struct value_rule {
    static constexpr std::size_t default_max_length = 128;
    // Longer values are refused before a regex runs: a bound on the work one value costs.
    static constexpr std::size_t max_pattern_input = 1024;

    std::string pattern_text;                    // as configured; empty = the default syntax
    std::shared_ptr<const boost::regex> pattern; // null = the default syntax

    bool matches(std::string_view value) const;
    // What a value must be, for a 400 message: "must be 1 to 128 characters of A-Z a-z 0-9 _ -".
    std::string requirement() const;
};

struct query_rule {
    std::string name;
    bool required = false;
    value_rule value;
};

struct path_param_rule {
    std::string name;
    value_rule value;
};

struct route_row {
    std::string name;                    // [a-z][a-z0-9_]{0,63}: metrics and log label
    http::verb method;                   // GET, POST, PUT, PATCH or DELETE (HEAD is implied by GET)
    std::string path;                    // local template: "/deals/{opportunityId}"
    std::vector<path_param_rule> params; // one per {param} of path, in path order
    std::string upstream;                // an upstream's name
    http::verb upstream_method;
    std::string upstream_path;                // template; its parameters are all in path
    std::vector<query_rule> query;            // sorted by name; an unknown parameter is refused
    std::vector<std::string> forward_headers; // lower-case names passed upstream as sent
    std::shared_ptr<const json_schema> body_schema;   // null = any JSON value
    std::chrono::seconds cache_ttl{0};                // GET only; 0 = never cached
    std::vector<std::string> invalidates;             // write routes: names of GET routes
    std::optional<std::chrono::milliseconds> timeout; // overrides the upstream's
    std::optional<client_auth_mode> client_auth;      // overrides gateway_config::client_auth
    std::vector<std::string> required_scopes;         // all needed by a JWT or key client

    bool is_write() const {
        return method == http::verb::post || method == http::verb::put ||
               method == http::verb::patch || method == http::verb::delete_;
    }
    bool has_body() const { return is_write() && method != http::verb::delete_; }
    // What a caller must present here: the route's own client_auth, else the gateway's default.
    client_auth_mode client_auth_or(client_auth_mode gateway_default) const {
        return client_auth.value_or(gateway_default);
    }
};

// What a route table is built from besides the file's "routes" array.
struct route_table_inputs {
    std::chrono::seconds deals_ttl{0};                 // cache_ttl_s of the built-in "deal"
    std::chrono::seconds catalog_ttl{300};             // of "catalog_products" and "catalog_offers"
    std::set<std::string, std::less<>> upstream_names; // every configured or built-in upstream
};

class route_table {
public:
    explicit route_table(std::vector<route_row> rows);

    // Built-ins first (in section 10's order, a replacement in its built-in's place), then the
    // file's other routes in file order.
    const std::vector<route_row>& rows() const { return rows_; }
    const route_row* find(std::string_view name) const;

private:
    std::vector<route_row> rows_;
};

// A template with its parameter names dropped ("/a/{x}/b" → "/a/{}/b"): two templates of one
// shape match exactly the same paths.
std::string route_shape(std::string_view path_template);

// The built-ins of section 10 merged with routes (the file's "routes" array, or null when the
// key is absent). Every problem is appended to problems (naming the route and field, e.g.
// "routes[2] 'deal_sheets': field 'upstream': unknown upstream 'korex'"), not only the first;
// on any problem the returned table must not be used.
route_table build_route_table(const nlohmann::json* routes, const route_table_inputs& inputs,
                              std::vector<std::string>& problems);

// The route table of a configuration (its routes_source, TTLs and upstream names); throws
// config_error listing every problem, one per line.
route_table build_route_table(const gateway_config& config);

} // namespace kore_gateway
