// Differential: the allocation-free is_valid_json against nlohmann::json::accept, which it
// replaced in the forwarder's check of upstream bodies. The two must agree on every input but
// one kind: nesting deeper than max_json_nesting_depth, which is_valid_json rejects on purpose.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fuzz_input.hpp"
#include "kore_gateway/http/json_validity.hpp"

namespace {

// Brackets are counted inside strings too, so this is never below the real nesting depth: every
// input nested beyond the limit is recognised (and a few shallower ones, which costs nothing).
std::size_t nesting_depth_bound(std::string_view text) {
    std::size_t depth = 0;
    std::size_t deepest = 0;
    for (const char c : text) {
        if (c == '[' || c == '{') {
            deepest = std::max(deepest, ++depth);
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = kore_gateway::fuzz::as_text(data, size);
    const bool ours = kore_gateway::is_valid_json(text);
    const bool nlohmanns = nlohmann::json::accept(text);
    const bool too_deep_on_purpose =
        !ours && nlohmanns && nesting_depth_bound(text) > kore_gateway::max_json_nesting_depth;
    if (ours != nlohmanns && !too_deep_on_purpose) {
        std::fprintf(stderr,
                     "fuzz_json_validity: is_valid_json says %s, nlohmann::json::accept %s\n",
                     ours ? "valid" : "invalid", nlohmanns ? "valid" : "invalid");
        std::abort();
    }
    return 0;
}
