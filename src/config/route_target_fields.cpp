#include "kore_gateway/config/route_target_fields.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <memory>

#include <boost/url/grammar/hexdig_chars.hpp>
#include <boost/url/rfc/pchars.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "kore_gateway/util/ascii.hpp"

namespace kore_gateway {
namespace {

using json = nlohmann::json;

constexpr std::size_t max_query_name_length = 128; // as long as a default-syntax value

// The gateway answers these itself (sections 3 and 12, /admin/* of sections 3 and 14): an
// upstream route there would shadow them.
constexpr std::array<std::string_view, 4> own_endpoints{"/healthz", "/readyz", "/metrics",
                                                        "/openapi.json"};

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

bool is_parameter_name(std::string_view name) {
    return !name.empty() && name.size() <= max_route_name_length &&
           !(name[0] >= '0' && name[0] <= '9') && std::all_of(name.begin(), name.end(), [](char c) {
               return is_ascii_alnum(c) || c == '_';
           });
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

bool is_query_name(std::string_view name) {
    return !name.empty() && name.size() <= max_query_name_length &&
           std::all_of(name.begin(), name.end(),
                       [](char c) { return boost::urls::unreserved_chars(c); });
}

} // namespace

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

std::vector<path_param_rule> params_field(const json& entry,
                                          const std::vector<std::string>* path_params,
                                          route_problems& problems) {
    std::vector<path_param_rule> rules;
    if (path_params != nullptr) {
        for (const auto& name : *path_params) {
            rules.push_back({name, {}});
        }
    }
    const auto* params = find_field(entry, "params");
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

std::vector<query_rule> query_field(const json& entry, route_problems& problems) {
    std::vector<query_rule> rules;
    const auto* query = find_field(entry, "query");
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

} // namespace kore_gateway
