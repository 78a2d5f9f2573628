#include "kore_gateway/http/router.hpp"

#include <algorithm>

#include "kore_gateway/util/ascii.hpp"

namespace kore_gateway {
namespace {

// Inline room for eight segments, two more than the deepest route: a longer path cannot match
// and merely allocates.
using path_segments = boost::container::small_vector<std::string_view, 8>;

path_segments split_path(std::string_view path) {
    path_segments segments;
    if (path.empty() || path.front() != '/') {
        return segments;
    }
    path.remove_prefix(1);
    while (true) {
        const auto slash = path.find('/');
        segments.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) {
            break;
        }
        path.remove_prefix(slash + 1);
    }
    return segments;
}

bool is_parameter(std::string_view segment) {
    return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

} // namespace

const std::vector<route>& gateway_routes() {
    using http::verb;
    static const std::vector<route> routes{
        {route_id::deal, "deal", "/deals/{opportunityId}", {verb::get}},
        {route_id::catalog_products, "catalog_products", "/catalog/products", {verb::get}},
        {route_id::catalog_offers,
         "catalog_offers",
         "/catalog/products/{productId}/offers",
         {verb::get}},
        {route_id::catalog_price,
         "catalog_price",
         "/catalog/products/{productId}/offers/{offerId}/price",
         {verb::post}},
        {route_id::healthz, "healthz", "/healthz", {verb::get}},
        {route_id::readyz, "readyz", "/readyz", {verb::get}},
        {route_id::metrics, "metrics", "/metrics", {verb::get}},
        {route_id::admin_cache_purge, "admin_cache_purge", "/admin/cache/purge", {verb::post}},
    };
    return routes;
}

bool is_valid_parameter(std::string_view value) {
    return !value.empty() && value.size() <= max_parameter_length &&
           std::all_of(value.begin(), value.end(),
                       [](char c) { return is_ascii_alnum(c) || c == '_' || c == '-'; });
}

std::string method_list(const std::vector<http::verb>& methods) {
    std::string list;
    for (const auto method : methods) {
        if (!list.empty()) {
            list += ", ";
        }
        list += http::to_string(method);
    }
    return list;
}

router::router(const std::vector<route>& routes) {
    for (const auto& definition : routes) {
        const auto segments = split_path(definition.path_template);
        routes_.push_back({&definition, {segments.begin(), segments.end()}});
    }
}

route_match router::match(http::verb method, std::string_view path) const {
    const auto segments = split_path(path);
    for (const auto& candidate : routes_) {
        if (candidate.segments.size() != segments.size()) {
            continue;
        }
        route_match found;
        bool same_shape = true;
        for (std::size_t i = 0; i < segments.size() && same_shape; ++i) {
            const auto expected = candidate.segments[i];
            if (is_parameter(expected)) {
                found.params.emplace_back(expected.substr(1, expected.size() - 2),
                                          std::string(segments[i]));
            } else {
                same_shape = expected == segments[i];
            }
        }
        if (!same_shape) {
            continue;
        }
        found.matched_route = candidate.definition;
        found.allow = method_list(candidate.definition->methods);
        for (const auto& [name, value] : found.params) {
            if (!is_valid_parameter(value)) {
                found.result = route_match::outcome::bad_parameter;
                found.problem =
                    std::string(name) + " must be 1 to 128 characters of A-Z a-z 0-9 _ -";
                found.params.clear();
                return found;
            }
        }
        const auto& methods = candidate.definition->methods;
        found.result = std::find(methods.begin(), methods.end(), method) != methods.end()
                           ? route_match::outcome::matched
                           : route_match::outcome::method_not_allowed;
        return found;
    }
    return {};
}

} // namespace kore_gateway
