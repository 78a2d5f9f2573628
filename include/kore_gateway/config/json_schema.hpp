// The JSON Schema subset of CONTRACT.md section 10 (2020-12 keywords with their meaning there):
// type, properties, required, additionalProperties (boolean), items, enum, const, minLength,
// maxLength, pattern (unanchored ECMAScript search), minimum, maximum, minItems, maxItems; the
// annotations $schema, title, description, examples and default are accepted and ignored.
// A schema is an object, or true / false as in 2020-12. It is compiled once at start-up;
// validation reports every failure with its JSON pointer.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace kore_gateway {

// One failing place of a request body: "/formData/0/elementKey", and why.
struct schema_failure {
    std::string pointer;
    std::string message;
};

// validate() stops after this many failures, so a huge bad array cannot make a huge answer.
inline constexpr std::size_t max_schema_failures = 100;

class json_schema {
public:
    // Compiles schema; on failure returns nullptr and appends one readable problem per fault to
    // problems (keyword outside the subset, wrong keyword value, bad regular expression), each
    // starting with name and the pointer inside the schema:
    // "body_schema/properties/formData: keyword 'oneOf' is not supported (supported: ...)".
    static std::shared_ptr<const json_schema> compile(const nlohmann::json& schema,
                                                      std::vector<std::string>& problems,
                                                      std::string_view name = "body_schema");

    // Every failure of instance (at most max_schema_failures); empty when it satisfies the
    // schema. Pointers are RFC 6901 ("" is the root); for `required` and `additionalProperties`
    // the pointer names the missing or extra member. Messages never echo the instance's values.
    // Recursion follows the schema, never deeper into the instance than the schema describes.
    std::vector<schema_failure> validate(const nlohmann::json& instance) const;

    // The schema as it was written, for the OpenAPI document.
    const nlohmann::json& source() const { return source_; }

    struct node; // compiled form, defined in the .cpp

private:
    json_schema(nlohmann::json source, std::shared_ptr<const node> root);

    nlohmann::json source_;
    std::shared_ptr<const node> root_;
};

// Section 3's rule for the price body (and section 18: elementValue is required), written as a
// schema of the subset.
const nlohmann::json& price_body_schema();

} // namespace kore_gateway
