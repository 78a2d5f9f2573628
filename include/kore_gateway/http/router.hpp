// Maps method + path to one of the gateway's routes: a table of path templates with named
// parameters (`/catalog/products/{productId}/offers`), answering 404 and 405 (with Allow) itself.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "kore_gateway/net.hpp"

namespace kore_gateway {

enum class route_id {
    deal,
    catalog_products,
    catalog_offers,
    catalog_price,
    healthz,
    readyz,
    metrics,
    admin_cache_purge,
};

struct route {
    route_id id;
    std::string_view name; // metrics label and log field
    std::string_view path_template;
    std::vector<http::verb> methods;
};

// The local endpoints of CONTRACT.md section 3.
const std::vector<route>& gateway_routes();

// Inline room for the three parameters the deepest route has: matching a request allocates no
// list (bench/RESULTS.md, optimisation 15).
using path_params = boost::container::small_vector<std::pair<std::string_view, std::string>, 3>;

struct route_match {
    enum class outcome { matched, not_found, method_not_allowed, bad_parameter };
    outcome result = outcome::not_found;
    const route* matched_route = nullptr; // set unless not_found
    path_params params;                   // when matched
    std::string allow;                    // "GET" / "POST": methods of the path, for Allow
    std::string problem;                  // bad_parameter: which parameter and why
};

class router {
public:
    explicit router(const std::vector<route>& routes);
    // path excludes the query string. Parameters are validated (CONTRACT.md section 3) before the
    // method is looked at, so a bad parameter is a 400 whatever the method.
    route_match match(http::verb method, std::string_view path) const;

private:
    struct compiled_route {
        const route* definition;
        std::vector<std::string_view> segments; // "{name}" marks a parameter
    };
    std::vector<compiled_route> routes_;
};

// The parameter syntax of the contract: [A-Za-z0-9_-]{1,128}.
constexpr std::size_t max_parameter_length = 128;
bool is_valid_parameter(std::string_view value);

// The allowed methods as an Allow / Access-Control-Allow-Methods value.
std::string method_list(const std::vector<http::verb>& methods);

} // namespace kore_gateway
