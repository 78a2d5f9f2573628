#include "kore_gateway/config/route_fields.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <set>

#include <boost/algorithm/string/case_conv.hpp>
#include <boost/url/grammar/hexdig_chars.hpp>
#include <boost/url/rfc/pchars.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "kore_gateway/config/config_checks.hpp"
#include "kore_gateway/util/ascii.hpp"

namespace kore_gateway {
namespace {

using json = nlohmann::json;

constexpr std::int64_t max_cache_ttl_s = 31536000;
constexpr std::size_t max_name_length = 64;        // of route and path parameter names
constexpr std::size_t max_query_name_length = 128; // as long as a default-syntax value

constexpr std::array<std::string_view, 16> known_fields{
    "name",        "enabled",         "method",          "path",
    "params",      "upstream",        "upstream_method", "upstream_path",
    "query",       "forward_headers", "body_schema",     "cache_ttl_s",
    "invalidates", "timeout_ms",      "client_auth",     "required_scopes"};

// The gateway answers these itself (sections 3 and 12, /admin/* of sections 3 and 14): an
// upstream route there would shadow them.
constexpr std::array<std::string_view, 4> own_endpoints{"/healthz", "/readyz", "/metrics",
                                                        "/openapi.json"};

// The client's credentials and Host and the hop-by-hop headers never travel upstream (section
// 4); nor does its Content-Length, since the gateway frames the body it sends itself; nor a
// header the gateway sets on every upstream request, which would then go twice.
constexpr std::array<std::string_view, 18> never_forwarded{
    "authorization",     "x-api-key",    "cookie",       "host",    "content-length",
    "connection",        "keep-alive",   "te",           "trailer", "upgrade",
    "transfer-encoding", "x-request-id", "content-type", "accept",  "user-agent",
    "x-api-version",     "traceparent",  "tracestate"};

const json* member(const json& entry, std::string_view key) {
    const auto it = entry.find(key);
    return it == entry.end() ? nullptr : &*it;
}

std::string wrong_type(std::string_view expected, const json& value) {
    return "must be " + std::string(expected) + ", not " + value.type_name();
}

const std::string* string_field(const json& entry, std::string_view key, bool required,
                                route_problems& problems) {
    const auto* value = member(entry, key);
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
    const auto* value = member(entry, key);
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

// Compiles a "pattern" into rule; an anchored whole-value match, as regex_match does.
void pattern_field(const json& pattern, const std::string& field, value_rule& rule,
                   route_problems& problems) {
    if (!pattern.is_string()) {
        return problems.add(field, wrong_type("a string", pattern));
    }
    const auto& text = pattern.get_ref<const std::string&>();
    if (text.empty()) {
        return problems.add(field, "must not be empty");
    }
    try {
        rule.pattern = std::make_shared<const boost::regex>(text, ecmascript_regex_flags);
        rule.pattern_text = text;
    } catch (const boost::regex_error& e) {
        problems.add(field, "bad regular expression '" + text + "': " + e.what());
    }
}

bool is_route_name(std::string_view name) {
    return !name.empty() && name.size() <= max_name_length && name[0] >= 'a' && name[0] <= 'z' &&
           std::all_of(name.begin(), name.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
           });
}

bool is_parameter_name(std::string_view name) {
    return !name.empty() && name.size() <= max_name_length && !(name[0] >= '0' && name[0] <= '9') &&
           std::all_of(name.begin(), name.end(),
                       [](char c) { return is_ascii_alnum(c) || c == '_'; });
}

// RFC 3986 pchar: what a path segment may hold without escaping, and %XX escapes.
bool is_literal_segment(std::string_view segment) {
    const auto is_hex = [](char c) { return boost::urls::grammar::hexdig_chars(c); };
    for (std::size_t i = 0; i < segment.size(); ++i) {
        if (segment[i] == '%') {
            if (i + 2 >= segment.size() || !is_hex(segment[i + 1]) || !is_hex(segment[i + 2])) {
                return false;
            }
            i += 2;
        } else if (!boost::urls::pchars(segment[i])) {
            return false;
        }
    }
    return true;
}

// The parameters of a path template in order, or nullopt after reporting each bad segment.
// local: the gateway's own path, where an empty segment or a repeated parameter is an error; an
// upstream path may have empty segments ("/api/items/") and use a parameter twice.
std::optional<std::vector<std::string>> template_field(const std::string& text, bool local,
                                                       std::string_view field,
                                                       route_problems& problems) {
    if (!text.starts_with('/')) {
        problems.add(field, "'" + text + "' must start with '/'");
        return std::nullopt;
    }
    std::vector<std::string> params;
    bool ok = true;
    const auto fail = [&](const std::string& what) {
        problems.add(field, "'" + text + "': " + what);
        ok = false;
    };
    std::string_view rest = std::string_view(text).substr(1);
    while (true) {
        const auto slash = rest.find('/');
        const auto segment = rest.substr(0, slash);
        if (segment.find_first_of("{}") != std::string_view::npos) {
            const bool braced =
                segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
            const auto name = braced ? segment.substr(1, segment.size() - 2) : std::string_view{};
            if (!is_parameter_name(name)) {
                fail("segment '" + std::string(segment) +
                     "' is malformed: a parameter is a whole segment {name}, name of A-Z a-z 0-9 _ "
                     "not starting with a digit, at most 64 characters");
            } else if (local && std::find(params.begin(), params.end(), name) != params.end()) {
                fail("parameter '" + std::string(name) + "' appears twice");
            } else {
                params.emplace_back(name);
            }
        } else if (segment.empty() && local) {
            fail("has an empty segment");
        } else if (segment == "." || segment == "..") {
            fail("has a dot segment");
        } else if (!is_literal_segment(segment)) {
            fail("segment '" + std::string(segment) +
                 "' has a character not allowed in a URL path");
        }
        if (slash == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(slash + 1);
    }
    return ok ? std::optional(std::move(params)) : std::nullopt;
}

bool shadows_own_endpoint(std::string_view path) {
    return path == "/admin" || path.starts_with("/admin/") ||
           std::find(own_endpoints.begin(), own_endpoints.end(), path) != own_endpoints.end();
}

// One rule per parameter of path, in path order; "params" may only name those parameters.
std::vector<path_param_rule> params_field(const json& entry,
                                          const std::vector<std::string>* path_params,
                                          route_problems& problems) {
    std::vector<path_param_rule> rules;
    if (path_params != nullptr) {
        for (const auto& name : *path_params) {
            rules.push_back({name, {}});
        }
    }
    const auto* params = member(entry, "params");
    if (params == nullptr) {
        return rules;
    }
    if (!params->is_object()) {
        problems.add("params", wrong_type("an object", *params));
        return rules;
    }
    for (const auto& item : params->items()) {
        // Named references, not a structured binding: clang 14 (the fuzz build) cannot capture one.
        const std::string& name = item.key();
        const json& spec = item.value();
        const auto field = "params." + name;
        const auto rule = std::find_if(rules.begin(), rules.end(),
                                       [&](const path_param_rule& r) { return r.name == name; });
        if (path_params != nullptr && rule == rules.end()) {
            problems.add(field, "names no {" + name + "} of path");
            continue;
        }
        if (!spec.is_object()) {
            problems.add(field, wrong_type("an object", spec));
            continue;
        }
        for (const auto& [key, value] : spec.items()) {
            if (key != "pattern") {
                problems.add(field + "." + key, "unknown field; a parameter has only 'pattern'");
            } else if (rule != rules.end()) {
                pattern_field(value, field + ".pattern", rule->value, problems);
            }
        }
    }
    return rules;
}

bool is_query_name(std::string_view name) {
    return !name.empty() && name.size() <= max_query_name_length &&
           std::all_of(name.begin(), name.end(),
                       [](char c) { return boost::urls::unreserved_chars(c); });
}

std::vector<query_rule> query_field(const json& entry, route_problems& problems) {
    std::vector<query_rule> rules;
    const auto* query = member(entry, "query");
    if (query == nullptr) {
        return rules;
    }
    if (!query->is_object()) {
        problems.add("query", wrong_type("an object", *query));
        return rules;
    }
    for (const auto& [name, spec] : query->items()) {
        const auto field = "query." + name;
        if (!is_query_name(name)) {
            problems.add(field,
                         "a query parameter name is 1 to 128 characters of A-Z a-z 0-9 - . _ ~");
            continue;
        }
        if (!spec.is_object()) {
            problems.add(field, wrong_type("an object", spec));
            continue;
        }
        query_rule rule{name, false, {}};
        for (const auto& [key, value] : spec.items()) {
            if (key == "required") {
                if (value.is_boolean()) {
                    rule.required = value.get<bool>();
                } else {
                    problems.add(field + ".required", wrong_type("a boolean", value));
                }
            } else if (key == "pattern") {
                pattern_field(value, field + ".pattern", rule.value, problems);
            } else {
                problems.add(field + "." + key,
                             "unknown field; a query parameter has 'required' and 'pattern'");
            }
        }
        rules.push_back(std::move(rule));
    }
    // nlohmann::json objects are std::maps: the rules come out sorted by name.
    return rules;
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
    const auto* value = member(entry, key);
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
            problems.add(std::string(key) + "[" + std::to_string(i) + "]",
                         wrong_type("a string", item));
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
    const auto* value = member(entry, "required_scopes");
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

void route_problems::add(std::string_view field, std::string_view what) {
    out_.push_back(label_ + ": field '" + std::string(field) + "': " + std::string(what));
}

std::string route_label(std::size_t index, const json& entry) {
    auto label = "routes[" + std::to_string(index) + "]";
    if (entry.is_object()) {
        if (const auto* name = member(entry, "name");
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
    const auto* enabled = member(entry, "enabled");
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

    if (const auto* schema = member(entry, "body_schema")) {
        if (method && *method != http::verb::post && *method != http::verb::put &&
            *method != http::verb::patch) {
            problems.add("body_schema", "only POST, PUT and PATCH routes take a body");
        } else {
            row.body_schema =
                json_schema::compile(*schema, problems.out(), problems.label() + ": body_schema");
        }
    }
    if (member(entry, "cache_ttl_s") != nullptr && method && *method != http::verb::get) {
        problems.add("cache_ttl_s", "only GET routes are cached");
    } else if (const auto ttl = integer_field(entry, "cache_ttl_s", 0, max_cache_ttl_s, problems)) {
        row.cache_ttl = std::chrono::seconds(*ttl);
    }
    if (member(entry, "invalidates") != nullptr && method == http::verb::get) {
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
