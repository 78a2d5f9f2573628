// The price body check: arbitrary client bytes, of which only well-formed bodies may go upstream.
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "fuzz_input.hpp"
#include "kore_gateway/http/validation.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto body = kore_gateway::fuzz::as_text(data, size);
    const auto problem = kore_gateway::price_body_problem(body);
    // An accepted body is forwarded as it is: it must at least be a JSON object.
    if (!problem) {
        const auto json = nlohmann::json::parse(body, nullptr, false);
        if (json.is_discarded() || !json.is_object()) {
            __builtin_trap();
        }
    }
    return 0;
}
