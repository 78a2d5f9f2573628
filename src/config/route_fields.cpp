#include "kore_gateway/config/route_fields.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <set>

#include <boost/algorithm/string/case_conv.hpp>

#include "kore_gateway/config/config_checks.hpp"
#include "kore_gateway/config/route_target_fields.hpp"
#include "kore_gateway/util/ascii.hpp"

namespace kore_gateway {
namespace {

using json = nlohmann::json;

constexpr std::int64_t max_cache_ttl_s = 31536000;

constexpr std::array<std::string_view, 16> known_fields{
    "name",        "enabled",         "method",          "path",
    "params",      "upstream",        "upstream_method", "upstream_path",
    "query",       "forward_headers", "body_schema",     "cache_ttl_s",
    "invalidates", "timeout_ms",      "client_auth",     "required_scopes"};

// The client's credentials and Host and the hop-by-hop headers never travel upstream (section
// 4); nor does its Content-Length, since the gateway frames the body it sends itself; nor a
// header the gateway sets on every upstream request, which would then go twice.
constexpr std::array<std::string_view, 18> never_forwarded{
    "authorization",     "x-api-key",    "cookie",       "host",    "content-length",
    "connection",        "keep-alive",   "te",           "trailer", "upgrade",
    "transfer-encoding", "x-request-id", "content-type", "accept",  "user-agent",
    "x-api-version",     "traceparent",  "tracestate"};

const std::string* string_field(const json& entry, std::string_view key, bool required,
                                route_problems& problems) {
    const auto* value = find_field(entry, key);
    if (value == nullptr) {
        if (required) {
            problems.add(key, "is required");
        }
        return nullptr;
    }
    if (!value->is_string()) {
        problems.add(key, wrong_type("a string", *value));
        return nullptr;
    }
    return value->get_ptr<const std::string*>();
}

std::optional<http::verb> method_field(const json& entry, std::string_view key, bool required,
                                       route_problems& problems) {
    const auto* text = string_field(entry, key, required, problems);
    if (text == nullptr) {
        return std::nullopt;
    }
    for (const auto method : {http::verb::get, http::verb::post, http::verb::put, http::verb::patch,
                              http::verb::delete_}) {
        if (http::to_string(method) == *text) {
            return method;
        }
    }
    problems.add(key, "'" + *text + "' is not one of GET, POST, PUT, PATCH, DELETE");
    return std::nullopt;
}

std::optional<std::int64_t> integer_field(const json& entry, std::string_view key, std::int64_t min,
                                          std::int64_t max, route_problems& problems) {
    const auto* value = find_field(entry, key);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_number_integer()) {
        problems.add(key, wrong_type("an integer", *value));
        return std::nullopt;
    }
    // Non-negative JSON integers are stored unsigned: compare them so, or a huge one wraps.
    const bool in_range =
        value->is_number_unsigned()
            ? value->get<std::uint64_t>() <= static_cast<std::uint64_t>(max) &&
                  value->get<std::uint64_t>() >= static_cast<std::uint64_t>(min)
            : value->get<std::int64_t>() >= min && value->get<std::int64_t>() <= max;
    if (!in_range) {
        problems.add(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
        return std::nullopt;
    }
    return value->get<std::int64_t>();
}

bool is_route_name(std::string_view name) {
    return !name.empty() && name.size() <= max_route_name_length && name[0] >= 'a' &&
           name[0] <= 'z' && std::all_of(name.begin(), name.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
           });
}

// RFC 9110 section 5.6.2 token.
bool is_header_name(std::string_view name) {
    constexpr std::string_view symbols = "!#$%&'*+-.^_`|~";
    return !name.empty() && std::all_of(name.begin(), name.end(), [&](char c) {
        return is_ascii_alnum(c) || symbols.find(c) != std::string_view::npos;
    });
}

// The array's strings, each checked by accept (which reports its own problem), without repeats.
template <class Accept>
std::vector<std::string> string_list_field(const json& entry, std::string_view key,
                                           route_problems& problems, Accept accept) {
    std::vector<std::string> list;
    const auto* value = find_field(entry, key);
    if (value == nullptr) {
        return list;
    }
    if (!value->is_array()) {
        problems.add(key, wrong_type("an array of strings", *value));
        return list;
    }
    for (std::size_t i = 0; i < value->size(); ++i) {
        const auto& item = (*value)[i];
        if (!item.is_string()) {
            // Appended in place: GCC 12 at -O2 warns falsely (-Warray-bounds) on the moves
            // of a chain of + here.
            auto field = std::string(key);
            field.append("[").append(std::to_string(i)).append("]");
            problems.add(field, wrong_type("a string", item));
            continue;
        }
        auto text = accept(item.get<std::string>());
        if (text && std::find(list.begin(), list.end(), *text) == list.end()) {
            list.push_back(std::move(*text));
        }
    }
    return list;
}

std::vector<std::string> forward_headers_field(const json& entry, route_problems& problems) {
    return string_list_field(
        entry, "forward_headers", problems,
        [&](const std::string& name) -> std::optional<std::string> {
            if (!is_header_name(name)) {
                problems.add("forward_headers", "'" + name + "' is not a valid header name");
                return std::nullopt;
            }
            auto lower = boost::algorithm::to_lower_copy(name);
            if (lower.starts_with("proxy-") ||
                std::find(never_forwarded.begin(), never_forwarded.end(), lower) !=
                    never_forwarded.end()) {
                problems.add("forward_headers",
                             "'" + name +
                                 "' is never forwarded (credentials, Host, hop-by-hop and framing "
                                 "headers, and those the gateway sets itself, are the gateway's)");
                return std::nullopt;
            }
            return lower;
        });
}

std::optional<client_auth_mode> client_auth_field(const json& entry, route_problems& problems) {
    const auto* text = string_field(entry, "client_auth", false, problems);
    if (text == nullptr) {
        return std::nullopt;
    }
    auto mode = parse_client_auth_mode(*text);
    if (!mode) {
        problems.add("client_auth", "'" + *text + "' is not " + std::string(client_auth_syntax));
    }
    return mode;
}

std::vector<std::string> required_scopes_field(const json& entry, route_problems& problems) {
    const auto* value = find_field(entry, "required_scopes");
    if (value != nullptr && value->is_array() && value->empty()) {
        problems.add("required_scopes", "must name at least one scope (leave it out for none)");
    }
    return string_list_field(
        entry, "required_scopes", problems,
        [&, seen = std::set<std::string>()](
            const std::string& scope) mutable -> std::optional<std::string> {
            if (!is_scope_token(scope)) {
                problems.add("required_scopes",
                             "'" + scope + "' is not a scope (RFC 6749 section 3.3 scope-token)");
            } else if (!seen.insert(scope).second) {
                problems.add("required_scopes", "'" + scope + "' appears twice");
            } else {
                return scope;
            }
            return std::nullopt;
        });
}

} // namespace

const json* find_field(const json& entry, std::string_view key) {
    const auto it = entry.find(key);
    return it == entry.end() ? nullptr : &*it;
}

std::string wrong_type(std::string_view expected, const json& value) {
    return "must be " + std::string(expected) + ", not " + value.type_name();
}

void route_problems::add(std::string_view field, std::string_view what) {
    out_.push_back(label_ + ": field '" + std::string(field) + "': " + std::string(what));
}

std::string route_label(std::size_t index, const json& entry) {
    auto label = "routes[" + std::to_string(index) + "]";
    if (entry.is_object()) {
        if (const auto* name = find_field(entry, "name");
            name != nullptr && name->is_string() &&
            is_route_name(name->get_ref<const std::string&>())) {
            label += " '" + name->get<std::string>() + "'";
        }
    }
    return label;
}

void check_known_fields(const json& entry, route_problems& problems) {
    for (const auto& [key, value] : entry.items()) {
        if (std::find(known_fields.begin(), known_fields.end(), key) == known_fields.end()) {
            problems.add(key, "unknown field");
        }
    }
}

std::optional<std::string> parse_route_name(const json& entry, route_problems& problems) {
    const auto* name = string_field(entry, "name", true, problems);
    if (name == nullptr) {
        return std::nullopt;
    }
    if (!is_route_name(*name)) {
        problems.add("name", "'" + *name + "' does not match [a-z][a-z0-9_]{0,63}");
        return std::nullopt;
    }
    return *name;
}

bool parse_route_enabled(const json& entry, route_problems& problems) {
    const auto* enabled = find_field(entry, "enabled");
    if (enabled == nullptr) {
        return true;
    }
    if (!enabled->is_boolean()) {
        problems.add("enabled", wrong_type("a boolean", *enabled));
        return true;
    }
    return enabled->get<bool>();
}

route_row parse_route(const json& entry, std::string name, const route_table_inputs& inputs,
                      route_problems& problems) {
    route_row row;
    row.name = std::move(name);
    const auto method = method_field(entry, "method", true, problems);
    const auto upstream_method = method_field(entry, "upstream_method", false, problems);

    std::optional<std::vector<std::string>> path_params;
    if (const auto* path = string_field(entry, "path", true, problems)) {
        path_params = template_field(*path, true, "path", problems);
        if (path_params) {
            row.path = *path;
        }
        if (path_params && shadows_own_endpoint(*path)) {
            problems.add("path", "'" + *path + "' would shadow the gateway's own endpoints");
        }
    }
    row.params = params_field(entry, path_params ? &*path_params : nullptr, problems);

    if (const auto* upstream = string_field(entry, "upstream", true, problems)) {
        row.upstream = *upstream;
        if (!inputs.upstream_names.contains(*upstream)) {
            problems.add("upstream", "unknown upstream '" + *upstream + "'");
        }
    }
    if (const auto* upstream_path = string_field(entry, "upstream_path", true, problems)) {
        row.upstream_path = *upstream_path;
        const auto used = template_field(*upstream_path, false, "upstream_path", problems);
        if (used && path_params) {
            for (const auto& param : *used) {
                if (std::find(path_params->begin(), path_params->end(), param) ==
                    path_params->end()) {
                    problems.add("upstream_path", "parameter {" + param + "} is not in path");
                }
            }
        }
    }

    row.query = query_field(entry, problems);
    row.forward_headers = forward_headers_field(entry, problems);

    if (const auto* schema = find_field(entry, "body_schema")) {
        if (method && *method != http::verb::post && *method != http::verb::put &&
            *method != http::verb::patch) {
            problems.add("body_schema", "only POST, PUT and PATCH routes take a body");
        } else {
            row.body_schema =
                json_schema::compile(*schema, problems.out(), problems.label() + ": body_schema");
        }
    }
    if (find_field(entry, "cache_ttl_s") != nullptr && method && *method != http::verb::get) {
        problems.add("cache_ttl_s", "only GET routes are cached");
    } else if (const auto ttl = integer_field(entry, "cache_ttl_s", 0, max_cache_ttl_s, problems)) {
        row.cache_ttl = std::chrono::seconds(*ttl);
    }
    if (find_field(entry, "invalidates") != nullptr && method == http::verb::get) {
        problems.add("invalidates", "only write routes invalidate");
    } else {
        row.invalidates = string_list_field(
            entry, "invalidates", problems,
            [](const std::string& target) -> std::optional<std::string> { return target; });
    }
    if (const auto timeout = integer_field(entry, "timeout_ms", 1, max_timeout_ms, problems)) {
        row.timeout = std::chrono::milliseconds(*timeout);
    }
    row.client_auth = client_auth_field(entry, problems);
    row.required_scopes = required_scopes_field(entry, problems);

    row.method = method.value_or(http::verb::unknown);
    row.upstream_method = upstream_method.value_or(row.method);
    return row;
}

} // namespace kore_gateway
