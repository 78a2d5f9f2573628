// The price body check (the built-in catalog_price route's schema): arbitrary client bytes, of
// which only well-formed bodies may go upstream.
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "fuzz_input.hpp"
#include "kore_gateway/config/json_schema.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto schema = [] {
        std::vector<std::string> problems;
        auto compiled =
            kore_gateway::json_schema::compile(kore_gateway::price_body_schema(), problems);
        if (!compiled) {
            __builtin_trap();
        }
        return compiled;
    }();
    const auto body =
        nlohmann::json::parse(kore_gateway::fuzz::as_text(data, size), nullptr, false);
    if (body.is_discarded()) {
        return 0; // the dispatcher refuses what is not JSON before the schema
    }
    const auto failures = schema->validate(body);
    // An accepted body is forwarded as it is: an object whose formData is an array of objects,
    // each with a string elementKey (section 3), checked here without the schema code.
    if (failures.empty()) {
        const auto form = body.find("formData");
        if (!body.is_object() || form == body.end() || !form->is_array()) {
            __builtin_trap();
        }
        for (const auto& element : *form) {
            if (!element.is_object() || !element.contains("elementKey") ||
                !element["elementKey"].is_string()) {
                __builtin_trap();
            }
        }
    }
    for (const auto& failure : failures) {
        // Every failure names a place that parses as a JSON pointer.
        (void)nlohmann::json::json_pointer(failure.pointer);
    }
    return 0;
}
