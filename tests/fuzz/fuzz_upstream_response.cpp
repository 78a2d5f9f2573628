// What an upstream (or an auth server) may send back: answer_parser with a body limit, as
// https_client reads it, checked against Beast's own response_parser (same verdict, status,
// keep-alive, body and kept fields), then what the gateway does with a parsed answer: the token
// reply parser, the JSON check and the cacheability of the answer.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "fuzz_input.hpp"
#include "kore_gateway/auth/oauth_client.hpp"
#include "kore_gateway/cache/cacheability.hpp"
#include "kore_gateway/upstream/answer_parser.hpp"

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

template <class Parser> void limit(Parser& parser) {
    parser.header_limit(static_cast<std::uint32_t>(response_limit));
    parser.body_limit(response_limit);
}

// The fields answer_parser keeps, as one string per parser, to compare them.
std::string kept_fields(const upstream_response& res) {
    std::string out;
    for (const auto& f : res) {
        if (is_kept_answer_field(f.name())) {
            out.append(f.name_string()).append(": ").append(f.value()).append("\n");
        }
    }
    return out;
}

void parse(std::string_view bytes, std::size_t step) {
    answer_parser ours;
    http::response_parser<http::string_body> beasts;
    limit(ours);
    limit(beasts);
    const auto ec = fuzz::feed(ours, bytes, step);
    if (ec != fuzz::feed(beasts, bytes, step) || ours.is_done() != beasts.is_done()) {
        __builtin_trap();
    }
    if (ec || !ours.is_done()) {
        return;
    }
    const auto& a = ours.get();
    const auto& b = beasts.get();
    if (ours.keep_alive() != beasts.keep_alive() || a.result_int() != b.result_int() ||
        a.version() != b.version() || a.body() != b.body() || kept_fields(a) != kept_fields(b)) {
        __builtin_trap();
    }
    use_response(ours.release());
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
