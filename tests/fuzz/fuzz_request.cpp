// Client bytes through everything the gateway does with them before any upstream is involved:
// the Beast request parser with the server's limits, then (as request_dispatcher does) the local
// endpoints, the route matcher over the built-in routes, the query, media type and body checks of
// the row, the request id and the CORS decision. Or, for bytes that are not a
// request, what the rejection path reads of a half-parsed header.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_input.hpp"
#include "kore_gateway/config/config.hpp"
#include "kore_gateway/config/route_table.hpp"
#include "kore_gateway/cors/cors_policy.hpp"
#include "kore_gateway/gateway/call_builder.hpp"
#include "kore_gateway/gateway/local_endpoints.hpp"
#include "kore_gateway/gateway/route_matcher.hpp"
#include "kore_gateway/http/exchange.hpp"
#include "kore_gateway/util/ids.hpp"

namespace kore_gateway {
namespace {

std::pair<std::string_view, std::string_view> split_target(std::string_view target) {
    const auto question = target.find('?');
    if (question == std::string_view::npos) {
        return {target, {}};
    }
    return {target.substr(0, question), target.substr(question + 1)};
}

void use_request(request& req) {
    static const auto routes = [] {
        std::vector<std::string> problems;
        auto table = build_route_table(
            nullptr, {std::chrono::seconds(60), std::chrono::seconds(60), {"kore", "catalog"}},
            problems);
        if (!problems.empty()) {
            __builtin_trap();
        }
        return table;
    }();
    static const route_matcher matcher(routes);
    static const cors_policy any_origin({"*"});
    static const cors_policy allowlist({"https://app.example.com", "http://127.0.0.1:3000"});

    (void)is_valid_request_id(req["X-Request-Id"]);
    const auto origin = req[http::field::origin];
    (void)any_origin.check(origin);
    (void)allowlist.check(origin);
    (void)is_preflight(req);
    (void)match_local_endpoint(req.method(), req.target());

    const auto [path, query] = split_target(req.target());
    auto lookup = matcher.match(req.method(), path);
    if (lookup.result != route_lookup::outcome::matched) {
        return;
    }
    const auto& row = *lookup.row;
    for (const auto& [name, value] : lookup.params) {
        // The matcher's promise: a matched parameter is safe to put into an upstream path.
        if (value.empty() || value.find_first_of("/?#") != std::string::npos) {
            __builtin_trap();
        }
    }
    upstream_call call;
    if (!build_upstream_call(std::move(lookup), req, query, call)) {
        for (const auto& param : call.query) {
            // An accepted query parameter is one the row declares.
            const bool declared =
                std::any_of(row.query.begin(), row.query.end(),
                            [&](const query_rule& r) { return r.name == param.first; });
            if (!declared) {
                __builtin_trap();
            }
        }
        (void)encode_query(call.query);
    }
}

void parse(std::string_view bytes, std::size_t step) {
    static const gateway_config defaults;
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(defaults.max_header_bytes));
    parser.body_limit(defaults.max_body_bytes);
    const auto ec = fuzz::feed(parser, bytes, step);
    if (!ec && parser.is_done()) {
        use_request(parser.get());
    } else if (parser.is_header_done()) {
        // session::on_read_failed hands the header to request_dispatcher::reject.
        const auto& header = parser.get().base();
        (void)is_valid_request_id(header["X-Request-Id"]);
        (void)header.method_string();
        (void)split_target(header.target());
    }
}

} // namespace
} // namespace kore_gateway

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto bytes = kore_gateway::fuzz::as_text(data, size);
    kore_gateway::parse(bytes, 0);
    // The same bytes arriving in small reads, as from a slow client.
    kore_gateway::parse(bytes, 1 + size % 61);
    return 0;
}
