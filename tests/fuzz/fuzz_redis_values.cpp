// What the gateway reads back from Redis, which another program (or a corrupted write) may have
// put there: the L2 cache value and the sealed shared token. Either decodes to something
// well-formed or is refused; a decoded L2 value encodes back to a value that decodes to the same
// entry.
#include <cstddef>
#include <cstdint>

#include "fuzz_input.hpp"
#include "kore_gateway/auth/sealed_token.hpp"
#include "kore_gateway/cache/l2_value.hpp"

namespace {

using namespace kore_gateway;

constexpr std::size_t max_body_bytes = 1 << 20;

bool same_entry(const cached_response& a, const cached_response& b) {
    const auto body = [](const cached_response& e) {
        return e.body ? std::string_view(*e.body) : std::string_view();
    };
    return a.status == b.status && a.content_type == b.content_type && a.etag == b.etag &&
           body(a) == body(b) && a.expires_at == b.expires_at && a.stale_until == b.stale_until &&
           a.stored_at == b.stored_at && a.tags.route == b.tags.route &&
           a.tags.upstream == b.tags.upstream && a.tags.upstream_path == b.tags.upstream_path &&
           a.tags.params == b.tags.params;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto bytes = fuzz::as_text(data, size);
    // A whole number of milliseconds on both clocks, so that a decoded instant encodes back to
    // the same Unix millisecond.
    const clock_reading now{clock_reading::wall_time{std::chrono::milliseconds{1'700'000'000'000}},
                            clock::time_point{} + std::chrono::hours(5)};
    if (const auto entry = decode_l2_value(bytes, max_body_bytes, now)) {
        const auto again = decode_l2_value(encode_l2_value(*entry, now), max_body_bytes, now);
        if (!again || !same_entry(*entry, *again)) {
            __builtin_trap();
        }
    }
    static const auto key = derive_token_key("fuzz client secret", R"(["https://idp/token","id"])");
    (void)open_token(key, bytes);
    return 0;
}
