// Validation of what clients send before any of it reaches an upstream URL or body
// (CONTRACT.md section 3): the query string and the price body.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kore_gateway {

// The outcome of checking a query string: either a problem to report as 400, or the customerId.
struct query_check {
    std::string problem;     // empty: the query is acceptable
    std::string customer_id; // empty when absent
};

// Only `customerId` is a known parameter; it must match the parameter syntax and appear at most
// once. Unknown parameters are refused rather than silently dropped, so a client's mistake shows.
query_check check_customer_query(std::string_view query, bool customer_id_required);

// Refuses any query string: for routes that take no parameters.
std::string check_empty_query(std::string_view query);

// The price body: a JSON object with `formData`, an array of objects each with a string
// `elementKey` and an `elementValue` that is a string or a number; `priceDate`, if present, a
// string. Returns the problem, or nullopt when the body is acceptable.
std::optional<std::string> price_body_problem(std::string_view body);

} // namespace kore_gateway
