// Request parsing and answer building shared by the fake upstreams (auth, KORE, Catalog, billing).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "kore_gateway/mock/mock_server.hpp"

namespace kore_gateway {

// Ordered, so that the fakes' answers list their fields in the documentation's order.
using fake_json = nlohmann::ordered_json;

mock_reply json_reply(unsigned status, const fake_json& body);
// reply with an Allow header listing allowed.
mock_reply method_not_allowed(mock_reply reply, std::string_view allowed);

// application/x-www-form-urlencoded decoding: %XX escapes and '+' for a space; nullopt when an
// escape is broken.
std::optional<std::string> form_decode(std::string_view text);
// The fields of a form body or a query string; nullopt when an escape is broken.
std::optional<std::map<std::string, std::string>> parse_form(std::string_view text);
// A field of a parsed form; empty when absent.
std::string form_field(const std::map<std::string, std::string>& form, const std::string& name);
// The decoded query parameters of req; nullopt when an escape is broken.
std::optional<std::map<std::string, std::string>> query_of(const recorded_request& req);
// A decoded query parameter of req, empty when absent.
std::string query_value(const recorded_request& req, const std::string& name);

// The segments of a path without its slashes: "/a/b" gives {"a", "b"}.
std::vector<std::string_view> path_segments(std::string_view path);
// The token of an "Authorization: Bearer <token>" header; empty when there is none.
std::string bearer_token(const recorded_request& req);

} // namespace kore_gateway
