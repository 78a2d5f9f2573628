// The cache's HTTP rules on client- and upstream-controlled text. Input: NUL-separated fields
// upstream, method, path, query, Cache-Control, If-None-Match and a body; missing fields are empty.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_input.hpp"
#include "kore_gateway/cache/cache_key.hpp"
#include "kore_gateway/cache/cacheability.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace kore_gateway;
    auto rest = fuzz::as_text(data, size);
    std::array<std::string_view, 7> field{};
    for (auto& f : field) {
        const auto nul = rest.find('\0');
        f = rest.substr(0, nul);
        rest.remove_prefix(nul == std::string_view::npos ? rest.size() : nul + 1);
    }
    const auto& [upstream, method, path, query, cache_control, if_none_match, body] = field;
    const auto key = make_cache_key(upstream, method, path, query);
    // Reordering the query's parameters must not change the key (CONTRACT.md section 6): swap
    // the first two parameters and compare.
    if (const auto amp = query.find('&'); amp != std::string_view::npos) {
        const auto first = query.substr(0, amp);
        auto second = query.substr(amp + 1);
        second = second.substr(0, second.find('&'));
        const auto tail = query.substr(amp + 1 + second.size());
        const std::string swapped =
            std::string(second) + "&" + std::string(first) + std::string(tail);
        if (make_cache_key(upstream, method, path, swapped) != key) {
            __builtin_trap();
        }
    }
    (void)is_storable(200, cache_control);
    (void)is_storable(static_cast<unsigned>(size % 600), cache_control);
    const auto etag = make_etag(body);
    (void)if_none_match_matches(if_none_match, etag);
    (void)if_none_match_matches(if_none_match, if_none_match);
    if (!if_none_match_matches(etag, etag) || !if_none_match_matches("*", etag)) {
        __builtin_trap(); // a client holding the current ETag must get 304
    }
    return 0;
}
