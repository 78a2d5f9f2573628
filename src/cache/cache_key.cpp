#include "kore_gateway/cache/cache_key.hpp"

#include <algorithm>
#include <tuple>
#include <vector>

namespace kore_gateway {
namespace {

struct query_parameter {
    std::string_view text; // as received, re-joined unchanged
    std::string_view name;
    std::string_view value;
};

std::vector<query_parameter> split_query(std::string_view query) {
    std::vector<query_parameter> parameters;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto text = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (text.empty()) {
            continue;
        }
        const auto eq = text.find('=');
        parameters.push_back(
            {text, text.substr(0, eq),
             eq == std::string_view::npos ? std::string_view{} : text.substr(eq + 1)});
    }
    return parameters;
}

} // namespace

std::string make_cache_key(std::string_view upstream, std::string_view method,
                           std::string_view path, std::string_view query) {
    auto parameters = split_query(query);
    // The raw text breaks the tie between `a` and `a=`, which have the same name and value.
    std::sort(parameters.begin(), parameters.end(), [](const auto& l, const auto& r) {
        return std::tie(l.name, l.value, l.text) < std::tie(r.name, r.value, r.text);
    });

    std::string key;
    key.reserve(upstream.size() + method.size() + path.size() + query.size() + 3);
    key.append(upstream).append("\n").append(method).append("\n").append(path).append("\n");
    for (std::size_t i = 0; i < parameters.size(); ++i) {
        if (i > 0) {
            key.push_back('&');
        }
        key.append(parameters[i].text);
    }
    return key;
}

} // namespace kore_gateway
