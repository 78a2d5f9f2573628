#include "kore_gateway/config/route_table.hpp"

#include "kore_gateway/config/config.hpp"
#include "kore_gateway/config/config_loader.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "kore_gateway/config/route_fields.hpp"
#include "kore_gateway/util/ascii.hpp"

namespace kore_gateway {
namespace {

using json = nlohmann::json;

// Section 10's built-ins as the contract writes them; the inputs add the cache TTLs and the price
// schema. They go through the same parser as the file's routes, so they get the same defaults.
json builtin_routes(const route_table_inputs& inputs) {
    static const json written = json::parse(R"([
        {"name": "deal", "method": "GET", "path": "/deals/{opportunityId}", "upstream": "kore",
         "upstream_path": "/aggregates/premium-deal-summaries/by-opportunity/{opportunityId}"},
        {"name": "catalog_products", "method": "GET", "path": "/catalog/products",
         "upstream": "catalog", "upstream_path": "/api/v1/products"},
        {"name": "catalog_offers", "method": "GET", "path": "/catalog/products/{productId}/offers",
         "upstream": "catalog", "upstream_path": "/api/v1/products/{productId}/offers",
         "query": {"customerId": {"required": true}}},
        {"name": "catalog_price", "method": "POST",
         "path": "/catalog/products/{productId}/offers/{offerId}/price", "upstream": "catalog",
         "upstream_path": "/api/v1/products/{productId}/offers/{offerId}/price",
         "query": {"customerId": {"required": false}}}
    ])");
    auto routes = written;
    routes[0]["cache_ttl_s"] = inputs.deals_ttl.count();
    routes[1]["cache_ttl_s"] = inputs.catalog_ttl.count();
    routes[2]["cache_ttl_s"] = inputs.catalog_ttl.count();
    routes[3]["body_schema"] = price_body_schema();
    return routes;
}

// A route as read, and whether it had problems (already reported). The checks across routes
// run on every candidate, so that one pass reports every fault.
struct candidate {
    route_row row;
    std::string label;
    bool ok = true;
};

// One entry of the file's "routes" array.
struct file_route {
    std::string name;              // empty: no valid name, or one used before
    std::optional<candidate> read; // unset when disabled
    bool placed = false;           // put in the table in a built-in's place
};

std::vector<file_route> read_file_routes(const json* routes, const route_table_inputs& inputs,
                                         std::vector<std::string>& problems) {
    std::vector<file_route> entries;
    if (routes == nullptr) {
        return entries;
    }
    if (!routes->is_array()) {
        problems.push_back(std::string("routes: must be an array, not ") + routes->type_name());
        return entries;
    }
    std::map<std::string, std::string, std::less<>> first_label_of;
    for (std::size_t i = 0; i < routes->size(); ++i) {
        const auto& entry = (*routes)[i];
        const auto label = route_label(i, entry);
        if (!entry.is_object()) {
            problems.push_back(label + ": must be an object, not " + entry.type_name());
            continue;
        }
        file_route route;
        route_problems faults(label, problems);
        check_known_fields(entry, faults);
        auto name = parse_route_name(entry, faults);
        const bool enabled = parse_route_enabled(entry, faults);
        if (name) {
            if (const auto [first, inserted] = first_label_of.emplace(*name, label); inserted) {
                route.name = *name;
            } else {
                faults.add("name", "duplicate name (first used by " + first->second + ")");
            }
        }
        if (enabled) {
            // Read even without a usable name, so that every fault is reported at once.
            auto row = parse_route(entry, name.value_or(""), inputs, faults);
            route.read = candidate{std::move(row), label, !faults.any()};
        }
        entries.push_back(std::move(route));
    }
    return entries;
}

// Two rows of one method and one shape would leave the second unreachable.
void check_shapes(const std::vector<candidate>& candidates, std::vector<std::string>& problems) {
    std::map<std::pair<http::verb, std::string>, const candidate*> seen;
    for (const auto& current : candidates) {
        if (current.row.method == http::verb::unknown || current.row.path.empty()) {
            continue; // already reported
        }
        const auto [other, inserted] =
            seen.emplace(std::pair(current.row.method, route_shape(current.row.path)), &current);
        if (!inserted) {
            route_problems(current.label, problems)
                .add("path", "'" + current.row.path + "' has the method and template of " +
                                 other->second->label + " ('" + other->second->row.path +
                                 "') once parameter names are ignored");
        }
    }
}

void check_invalidates(const std::vector<candidate>& candidates,
                       std::vector<std::string>& problems) {
    // Naming a GET route, or one that had problems (reported already), is no fault here.
    const auto is_acceptable = [&](const std::string& name) {
        return std::any_of(candidates.begin(), candidates.end(), [&](const candidate& c) {
            return c.row.name == name && (c.row.method == http::verb::get || !c.ok);
        });
    };
    for (const auto& current : candidates) {
        for (const auto& target : current.row.invalidates) {
            if (!is_acceptable(target)) {
                route_problems(current.label, problems)
                    .add("invalidates", "'" + target + "' is not a GET route");
            }
        }
    }
}

} // namespace

bool value_rule::matches(std::string_view value) const {
    if (!pattern) {
        return !value.empty() && value.size() <= default_max_length &&
               std::all_of(value.begin(), value.end(),
                           [](char c) { return is_ascii_alnum(c) || c == '_' || c == '-'; });
    }
    if (value.size() > max_pattern_input) {
        return false;
    }
    try {
        return boost::regex_match(value.begin(), value.end(), *pattern);
    } catch (const std::runtime_error&) {
        return false; // too complex to match: a value that cannot be checked is refused
    }
}

std::string value_rule::requirement() const {
    return pattern ? "must match the pattern " + pattern_text
                   : "must be 1 to 128 characters of A-Z a-z 0-9 _ -";
}

route_table::route_table(std::vector<route_row> rows) : rows_(std::move(rows)) {}

const route_row* route_table::find(std::string_view name) const {
    const auto it = std::find_if(rows_.begin(), rows_.end(),
                                 [&](const route_row& row) { return row.name == name; });
    return it == rows_.end() ? nullptr : &*it;
}

std::string route_shape(std::string_view path_template) {
    std::string shape;
    shape.reserve(path_template.size());
    for (std::size_t i = 0; i < path_template.size();) {
        if (path_template[i] == '{') {
            const auto close = path_template.find('}', i);
            shape += "{}";
            i = close == std::string_view::npos ? path_template.size() : close + 1;
        } else {
            shape += path_template[i++];
        }
    }
    return shape;
}

route_table build_route_table(const json* routes, const route_table_inputs& inputs,
                              std::vector<std::string>& problems) {
    auto entries = read_file_routes(routes, inputs, problems);
    const auto file_entry = [&](std::string_view name) -> file_route* {
        const auto it = std::find_if(entries.begin(), entries.end(),
                                     [&](const file_route& e) { return e.name == name; });
        return it == entries.end() ? nullptr : &*it;
    };

    std::vector<candidate> candidates;
    for (const auto& builtin : builtin_routes(inputs)) {
        auto name = builtin["name"].get<std::string>();
        if (auto* replacement = file_entry(name)) {
            // Replaced wholly (its own fields and defaults), or removed.
            replacement->placed = true;
            if (replacement->read) {
                candidates.push_back(std::move(*replacement->read));
            }
            continue;
        }
        route_problems faults("built-in route '" + name + "'", problems);
        auto row = parse_route(builtin, name, inputs, faults);
        candidates.push_back({std::move(row), faults.label(), !faults.any()});
    }
    for (auto& entry : entries) {
        if (!entry.placed && entry.read) {
            candidates.push_back(std::move(*entry.read));
        }
    }
    check_shapes(candidates, problems);
    check_invalidates(candidates, problems);

    std::vector<route_row> table;
    table.reserve(candidates.size());
    for (auto& c : candidates) {
        if (c.ok) {
            table.push_back(std::move(c.row));
        }
    }
    return route_table(std::move(table));
}

route_table build_route_table(const gateway_config& config) {
    std::vector<std::string> problems;
    const auto* routes = config.routes_source.is_null() ? nullptr : &config.routes_source;
    auto table = build_route_table(
        routes, {config.deals_ttl, config.catalog_ttl, config.upstream_names}, problems);
    if (!problems.empty()) {
        std::string message;
        for (const auto& problem : problems) {
            message += (message.empty() ? "" : "\n") + problem;
        }
        throw config_error(message);
    }
    return table;
}

} // namespace kore_gateway
