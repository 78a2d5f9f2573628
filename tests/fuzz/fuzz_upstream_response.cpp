// What an upstream (or an auth server) may send back: the Beast response parser with a body
// limit, as https_client reads it, then what the gateway does with a parsed answer: the token
// reply parser, the JSON check and the cacheability of the answer.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "fuzz_input.hpp"
#include "kore_gateway/auth/oauth_client.hpp"
#include "kore_gateway/cache/cacheability.hpp"

namespace kore_gateway {
namespace {

// Small, so that oversized headers and bodies are reached quickly.
constexpr std::size_t response_limit = 64 * 1024;

void use_response(upstream_response res) {
    std::string cache_control;
    for (auto [it, end] = res.equal_range(http::field::cache_control); it != end; ++it) {
        cache_control += (cache_control.empty() ? "" : ", ") + std::string(it->value());
    }
    (void)is_storable(res.result_int(), cache_control);
    (void)nlohmann::json::accept(res.body());
    const auto reply = parse_token_reply(upstream_result{upstream_errc::ok, std::move(res)});
    if (reply.error == token_errc::ok &&
        (reply.access_token.empty() || reply.lifetime <= std::chrono::seconds(0))) {
        __builtin_trap(); // a usable token has a value and a positive lifetime
    }
}

void parse(std::string_view bytes, std::size_t step) {
    http::response_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(response_limit));
    parser.body_limit(response_limit);
    if (!fuzz::feed(parser, bytes, step) && parser.is_done()) {
        use_response(parser.release());
    }
}

} // namespace
} // namespace kore_gateway

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto bytes = kore_gateway::fuzz::as_text(data, size);
    kore_gateway::parse(bytes, 0);
    kore_gateway::parse(bytes, 1 + size % 61);
    // The body alone, as the token parser sees a 200 answer's body.
    kore_gateway::upstream_result direct;
    direct.response.result(200);
    direct.response.body() = std::string(bytes);
    (void)kore_gateway::parse_token_reply(direct);
    return 0;
}
