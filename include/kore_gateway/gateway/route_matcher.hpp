// Maps a request's method and path to a row of the route table (CONTRACT.md section 10), answering
// 404, 405 (with Allow) and bad path parameters itself; and checks a query string against the
// row's query rules.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "kore_gateway/config/route_table.hpp"
#include "kore_gateway/net.hpp"

namespace kore_gateway {

// Inline room for three parameters, as many as the deepest built-in has: matching a request
// allocates no list (bench/RESULTS.md, optimisation 15). The names point into the route table.
using path_params = boost::container::small_vector<std::pair<std::string_view, std::string>, 3>;

struct route_lookup {
    enum class outcome { matched, not_found, method_not_allowed, bad_parameter };
    outcome result = outcome::not_found;
    // matched: the row (HEAD: the GET row); bad_parameter: the row checked; method_not_allowed:
    // the path's first row (for the route label of logs and metrics).
    const route_row* row = nullptr;
    path_params params;  // matched: in path order
    std::string allow;   // unless not_found: the path's methods, "GET, HEAD" when GET is there
    std::string problem; // bad_parameter: which parameter and why (never the value itself)
};

class route_matcher {
public:
    explicit route_matcher(const route_table& table); // the table outlives the matcher

    // path excludes the query string. Parameters are checked (against the method's row, or the
    // path's first row when the method has none) before the method is judged, so a bad parameter
    // is a 400 whatever the method.
    route_lookup match(http::verb method, std::string_view path) const;

private:
    // The templates that match the same paths ("/a/{x}" and "/a/{y}"), with their rows.
    struct shape {
        std::vector<std::string_view> segments;   // of the first row's path; "{name}": a parameter
        std::vector<std::size_t> param_positions; // the segment of each parameter, in order
        std::vector<const route_row*> rows;       // in table order
        std::string allow;
    };
    std::vector<shape> shapes_; // the most literal first: the first that matches wins
};

struct query_values {
    std::string problem;                                     // empty: acceptable
    std::vector<std::pair<std::string, std::string>> params; // decoded, sorted by name
};

// Checks a raw query string (without '?') against the row's query rules: an unknown, repeated,
// missing required or invalid parameter gives a problem (a 400 message), else the decoded
// parameters sorted by name. '+' decodes to a space, as HTML forms and most servers read it.
query_values check_query(const route_row& row, std::string_view raw_query);

// The query for the upstream and the cache key: sorted by name, each name and value
// percent-encoded (unreserved characters kept), joined by '&'.
std::string encode_query(const std::vector<std::pair<std::string, std::string>>& params);

} // namespace kore_gateway
