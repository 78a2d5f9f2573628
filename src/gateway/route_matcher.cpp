#include "kore_gateway/gateway/route_matcher.hpp"

#include <algorithm>
#include <map>

#include <boost/url/decode_view.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace kore_gateway {
namespace {

namespace urls = boost::urls;

// Inline room for eight segments, two more than the deepest built-in: a longer path cannot
// match one and merely allocates.
using path_segments = boost::container::small_vector<std::string_view, 8>;

// "/a/b" → {"a", "b"}, "/" → {""}; nothing for a path that does not start with '/'.
path_segments split_path(std::string_view path) {
    path_segments segments;
    if (!path.starts_with('/')) {
        return segments;
    }
    path.remove_prefix(1);
    while (true) {
        const auto slash = path.find('/');
        segments.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) {
            return segments;
        }
        path.remove_prefix(slash + 1);
    }
}

// A template segment "{name}"; the loader allows braces nowhere else.
bool is_param(std::string_view segment) {
    return segment.starts_with('{');
}

// Orders template segments so that, of two shapes matching one path, the one with a literal
// where the other has a parameter at the first segment where they differ comes first.
bool literal_first(std::string_view a, std::string_view b) {
    if (is_param(a) != is_param(b)) {
        return !is_param(a);
    }
    return !is_param(a) && a < b;
}

// "." and ".." (also percent-encoded) would climb the upstream path once the upstream
// normalises it (RFC 3986 section 5.2.4), whatever pattern a route gives its parameter.
bool is_dot_segment(std::string_view value) {
    int dots = 0;
    while (!value.empty()) {
        if (value.front() == '.') {
            value.remove_prefix(1);
        } else if (value.size() >= 3 && value.substr(0, 2) == "%2" &&
                   (value[2] == 'e' || value[2] == 'E')) {
            value.remove_prefix(3);
        } else {
            return false;
        }
        ++dots;
    }
    return dots == 1 || dots == 2;
}

std::string allow_list(const std::vector<const route_row*>& rows) {
    std::string allow;
    for (const auto method : {http::verb::get, http::verb::post, http::verb::put, http::verb::patch,
                              http::verb::delete_}) {
        if (std::none_of(rows.begin(), rows.end(),
                         [&](const route_row* row) { return row->method == method; })) {
            continue;
        }
        allow += allow.empty() ? "" : ", ";
        allow += http::to_string(method);
        if (method == http::verb::get) {
            allow += ", HEAD";
        }
    }
    return allow;
}

std::string unknown_parameter(const route_row& row, const urls::decode_view& key) {
    if (row.query.empty()) {
        return "this endpoint takes no query parameters";
    }
    std::string message = "unknown query parameter";
    // The name is echoed only when it is short and plain.
    if (key.size() <= 64 &&
        std::all_of(key.begin(), key.end(), [](char c) { return urls::unreserved_chars(c); })) {
        message += " '" + std::string(key.begin(), key.end()) + "'";
    }
    message += "; accepted: ";
    for (std::size_t i = 0; i < row.query.size(); ++i) {
        message += (i == 0 ? "" : ", ") + row.query[i].name;
    }
    return message;
}

} // namespace

route_matcher::route_matcher(const route_table& table) {
    std::map<std::string, std::size_t, std::less<>> index_of_shape;
    for (const auto& row : table.rows()) {
        const auto [it, inserted] = index_of_shape.emplace(route_shape(row.path), shapes_.size());
        if (inserted) {
            shape added;
            for (const auto segment : split_path(row.path)) {
                if (is_param(segment)) {
                    added.param_positions.push_back(added.segments.size());
                }
                added.segments.push_back(segment);
            }
            shapes_.push_back(std::move(added));
        }
        shapes_[it->second].rows.push_back(&row);
    }
    for (auto& s : shapes_) {
        s.allow = allow_list(s.rows);
    }
    std::sort(shapes_.begin(), shapes_.end(), [](const shape& a, const shape& b) {
        return std::lexicographical_compare(a.segments.begin(), a.segments.end(),
                                            b.segments.begin(), b.segments.end(), literal_first);
    });
}

route_lookup route_matcher::match(http::verb method, std::string_view path) const {
    route_lookup found;
    const auto segments = split_path(path);
    const auto fits = [&](const shape& s) {
        if (s.segments.size() != segments.size()) {
            return false;
        }
        for (std::size_t i = 0; i < segments.size(); ++i) {
            if (!is_param(s.segments[i]) && s.segments[i] != segments[i]) {
                return false;
            }
        }
        return true;
    };
    const auto candidate = std::find_if(shapes_.begin(), shapes_.end(), fits);
    if (candidate == shapes_.end()) {
        return found;
    }

    const auto wanted = method == http::verb::head ? http::verb::get : method;
    const auto row = std::find_if(candidate->rows.begin(), candidate->rows.end(),
                                  [&](const route_row* r) { return r->method == wanted; });
    found.row = row != candidate->rows.end() ? *row : candidate->rows.front();
    found.allow = candidate->allow;
    for (std::size_t k = 0; k < found.row->params.size(); ++k) {
        const auto& rule = found.row->params[k];
        const auto value = segments[candidate->param_positions[k]];
        if (!rule.value.matches(value) || is_dot_segment(value)) {
            found.result = route_lookup::outcome::bad_parameter;
            found.problem =
                rule.name + " " +
                (is_dot_segment(value) ? "must not be . or .." : rule.value.requirement());
            found.params.clear();
            return found;
        }
        found.params.emplace_back(rule.name, value);
    }
    if (row == candidate->rows.end()) {
        found.result = route_lookup::outcome::method_not_allowed;
        found.params.clear();
        return found;
    }
    found.result = route_lookup::outcome::matched;
    return found;
}

query_values check_query(const route_row& row, std::string_view raw_query) {
    query_values checked;
    const auto fail = [&](std::string problem) {
        checked.problem = std::move(problem);
        checked.params.clear();
        return checked;
    };
    if (raw_query.empty()) {
        // Most requests: nothing to parse, only the required parameters to miss.
        for (const auto& rule : row.query) {
            if (rule.required) {
                return fail(rule.name + " is required");
            }
        }
        return checked;
    }
    boost::container::small_vector<bool, 8> seen(row.query.size(), false);
    // Boost.URL 1.81's query iteration reads up to a NUL, whatever the view's size (a null view
    // crashes, and a view into a request's target runs on past its end), so it gets its own
    // NUL-terminated copy.
    const std::string query_text(raw_query);
    const auto parsed = urls::parse_query(query_text);
    if (!parsed) {
        return fail("the query string is not valid (RFC 3986)");
    }
    urls::encoding_opts plus_is_space;
    plus_is_space.space_as_plus = true;
    for (const auto param : *parsed) {
        if (param.key.empty() && !param.has_value) {
            continue; // the empty pieces of "a=1&&b=2", "&a=1", "a=1&" and of an empty query
        }
        const urls::decode_view key(param.key, plus_is_space);
        const auto rule = std::find_if(row.query.begin(), row.query.end(),
                                       [&](const query_rule& r) { return key == r.name; });
        if (rule == row.query.end()) {
            return fail(unknown_parameter(row, key));
        }
        const auto index = static_cast<std::size_t>(rule - row.query.begin());
        if (seen[index]) {
            return fail(rule->name + " must be given once");
        }
        seen[index] = true;
        // No '=': an empty value, which the default syntax refuses.
        auto value = param.has_value ? param.value.decode(plus_is_space) : std::string();
        if (!rule->value.matches(value)) {
            return fail(rule->name + " " + rule->value.requirement());
        }
        checked.params.emplace_back(rule->name, std::move(value));
    }
    for (std::size_t i = 0; i < row.query.size(); ++i) {
        if (row.query[i].required && !seen[i]) {
            return fail(row.query[i].name + " is required");
        }
    }
    std::sort(checked.params.begin(), checked.params.end());
    return checked;
}

std::string encode_query(const std::vector<std::pair<std::string, std::string>>& params) {
    std::vector<const std::pair<std::string, std::string>*> sorted;
    sorted.reserve(params.size());
    for (const auto& param : params) {
        sorted.push_back(&param);
    }
    std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return *a < *b; });
    std::string query;
    for (const auto* param : sorted) {
        query += query.empty() ? "" : "&";
        query += urls::encode(param->first, urls::unreserved_chars);
        query += '=';
        query += urls::encode(param->second, urls::unreserved_chars);
    }
    return query;
}

} // namespace kore_gateway
