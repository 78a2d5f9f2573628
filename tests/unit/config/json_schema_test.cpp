#include "kore_gateway/config/json_schema.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace kore_gateway {
namespace {

using nlohmann::json;
using namespace nlohmann::literals;

std::shared_ptr<const json_schema> compiled(const json& schema) {
    std::vector<std::string> problems;
    auto result = json_schema::compile(schema, problems);
    EXPECT_TRUE(problems.empty()) << (problems.empty() ? "" : problems.front());
    EXPECT_NE(result, nullptr) << schema.dump();
    return result;
}

std::vector<schema_failure> failures_of(const json& schema, const json& instance) {
    const auto checker = compiled(schema);
    return checker ? checker->validate(instance)
                   : std::vector<schema_failure>{{"", "the schema did not compile"}};
}

std::string listed(const std::vector<schema_failure>& failures) {
    std::string text;
    for (const auto& f : failures) {
        text += "[" + f.pointer + ": " + f.message + "] ";
    }
    return text;
}

struct keyword_case {
    const char* schema;
    const char* instance;
    bool valid;
};

// One or more passing and failing instances per keyword of the subset.
const keyword_case keyword_cases[] = {
    {R"({"type": "object"})", R"({})", true},
    {R"({"type": "object"})", R"([])", false},
    {R"({"type": "array"})", R"([1])", true},
    {R"({"type": "array"})", R"({})", false},
    {R"({"type": "string"})", R"("x")", true},
    {R"({"type": "string"})", R"(1)", false},
    {R"({"type": "number"})", R"(1.5)", true},
    {R"({"type": "number"})", R"(-3)", true},
    {R"({"type": "number"})", R"("1")", false},
    {R"({"type": "integer"})", R"(7)", true},
    {R"({"type": "integer"})", R"(1.0)", true},
    {R"({"type": "integer"})", R"(18446744073709551615)", true},
    {R"({"type": "integer"})", R"(1.5)", false},
    {R"({"type": "boolean"})", R"(false)", true},
    {R"({"type": "boolean"})", R"(0)", false},
    {R"({"type": "null"})", R"(null)", true},
    {R"({"type": "null"})", R"(false)", false},
    {R"({"type": ["string", "null"]})", R"(null)", true},
    {R"({"type": ["string", "null"]})", R"(2)", false},
    {R"({"enum": ["a", 1, {"k": [true]}]})", R"("a")", true},
    {R"({"enum": ["a", 1, {"k": [true]}]})", R"(1.0)", true},
    {R"({"enum": ["a", 1, {"k": [true]}]})", R"({"k": [true]})", true},
    {R"({"enum": ["a", 1, {"k": [true]}]})", R"({"k": [false]})", false},
    {R"({"enum": ["a", 1, {"k": [true]}]})", R"("A")", false},
    {R"({"const": {"a": [1, "x"]}})", R"({"a": [1.0, "x"]})", true},
    {R"({"const": {"a": [1, "x"]}})", R"({"a": [1, "x"], "b": 0})", false},
    {R"({"const": null})", R"(false)", false},
    {R"({"minLength": 2})", R"("ab")", true},
    {R"({"minLength": 2})", R"("a")", false},
    {R"({"minLength": 2})", R"(5)", true}, // string keywords ignore other types
    {R"({"maxLength": 2})", R"("é€")", true},
    {R"({"maxLength": 1})", R"("é€")", false},
    {R"({"minLength": 3})", R"("é€")", false},
    {R"({"pattern": "b"})", R"("abc")", true}, // unanchored search
    {R"({"pattern": "^b"})", R"("abc")", false},
    {R"({"pattern": "^[0-9]{4}-[0-9]{2}$"})", R"("2024-07")", true},
    {R"({"pattern": "^b$"})", R"("a\nb")", false}, // ^ and $ are not line anchors
    {R"({"pattern": "a.b"})", R"("a\nb")", false}, // . does not match a line end
    {R"({"pattern": "\\d"})", R"(12)", true},
    {R"({"minimum": 1, "maximum": 2.5})", R"(1)", true},
    {R"({"minimum": 1, "maximum": 2.5})", R"(2.5)", true},
    {R"({"minimum": 1, "maximum": 2.5})", R"(0.99)", false},
    {R"({"minimum": 1, "maximum": 2.5})", R"(3)", false},
    {R"({"minimum": 1})", R"("0")", true},
    {R"({"minItems": 1, "maxItems": 2})", R"([1])", true},
    {R"({"minItems": 1, "maxItems": 2})", R"([])", false},
    {R"({"minItems": 1, "maxItems": 2})", R"([1, 2, 3])", false},
    {R"({"items": {"type": "string"}})", R"(["a", "b"])", true},
    {R"({"items": {"type": "string"}})", R"(["a", 2])", false},
    {R"({"properties": {"a": {"type": "string"}}})", R"({"a": "x", "b": 1})", true},
    {R"({"properties": {"a": {"type": "string"}}})", R"({"a": 1})", false},
    {R"({"required": ["a"]})", R"({"a": null})", true},
    {R"({"required": ["a"]})", R"({"b": 1})", false},
    {R"({"required": ["a"]})", R"([])", true}, // object keywords ignore other types
    {R"({"additionalProperties": false, "properties": {"a": {}}})", R"({"a": 1})", true},
    {R"({"additionalProperties": false, "properties": {"a": {}}})", R"({"b": 1})", false},
    {R"({"additionalProperties": true})", R"({"b": 1})", true},
    {R"({"properties": {"gone": false}})", R"({"gone": 1})", false},
    {R"({"properties": {"gone": false}})", R"({})", true},
    {R"(true)", R"({"anything": [1]})", true},
    {R"(false)", R"(null)", false},
    {R"({"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "t",
         "description": "d", "examples": [1], "default": 1, "type": "integer"})",
     R"(1)", true},
};

TEST(json_schema, each_keyword_accepts_and_refuses_as_in_2020_12) {
    for (const auto& c : keyword_cases) {
        const auto failures = failures_of(json::parse(c.schema), json::parse(c.instance));
        EXPECT_EQ(failures.empty(), c.valid)
            << c.schema << " on " << c.instance << ": " << listed(failures);
    }
}

TEST(json_schema, a_failing_type_hides_the_other_keywords_of_that_node) {
    const auto failures =
        failures_of(R"({"type": "string", "minLength": 3, "enum": ["abc"]})"_json, R"(5)"_json);
    ASSERT_EQ(failures.size(), 1u) << listed(failures);
    EXPECT_EQ(failures[0].pointer, "");
    EXPECT_EQ(failures[0].message, "must be a string");
    EXPECT_EQ(failures_of(R"({"type": ["integer", "null"]})"_json, R"(1.5)"_json)[0].message,
              "must be an integer or null");
}

TEST(json_schema, reports_every_failure_with_a_nested_pointer) {
    const auto schema = R"({"properties": {"a": {"properties": {"b": {"items": {
        "type": "object", "properties": {"c": {"maxLength": 1}, "d": {"minimum": 0}}}}}}}})"_json;
    const auto failures =
        failures_of(schema, R"({"a": {"b": [{"c": "x"}, {"c": "xy", "d": -1}, 3]}})"_json);
    ASSERT_EQ(failures.size(), 3u) << listed(failures);
    EXPECT_EQ(failures[0].pointer, "/a/b/1/c");
    EXPECT_EQ(failures[0].message, "must have at most 1 characters");
    EXPECT_EQ(failures[1].pointer, "/a/b/1/d");
    EXPECT_EQ(failures[1].message, "must be at least 0");
    EXPECT_EQ(failures[2].pointer, "/a/b/2");
    EXPECT_EQ(failures[2].message, "must be an object");
}

TEST(json_schema, pointer_tokens_escape_tilde_and_slash) {
    const auto schema = R"({"properties": {"a/b": {"type": "string"}, "m~n": {"type": "string"}},
                           "required": ["x/~y"]})"_json;
    const auto failures = failures_of(schema, R"({"a/b": 1, "m~n": 2})"_json);
    ASSERT_EQ(failures.size(), 3u) << listed(failures);
    EXPECT_EQ(failures[0].pointer, "/x~1~0y");
    EXPECT_EQ(failures[1].pointer, "/a~1b");
    EXPECT_EQ(failures[2].pointer, "/m~0n");
}

TEST(json_schema, required_and_additional_properties_name_the_member) {
    const auto schema = R"({"properties": {"formData": {"items": {"required": ["elementKey"],
        "additionalProperties": false, "properties": {"elementValue": {}}}}}})"_json;
    const auto failures =
        failures_of(schema, R"({"formData": [{"elementValue": 1, "extra": true}]})"_json);
    ASSERT_EQ(failures.size(), 2u) << listed(failures);
    EXPECT_EQ(failures[0].pointer, "/formData/0/elementKey");
    EXPECT_EQ(failures[0].message, "is required");
    EXPECT_EQ(failures[1].pointer, "/formData/0/extra");
    EXPECT_EQ(failures[1].message, "is not allowed");
}

TEST(json_schema, messages_never_echo_the_instance_and_cut_long_schema_values) {
    const std::string secret = "CLIENT-VALUE-" + std::string(100, 'z');
    const std::string long_constant(200, 'c');
    const auto schema = json{{"properties",
                              {{"e", {{"enum", {long_constant, "b"}}}},
                               {"c", {{"const", long_constant}}},
                               {"p", {{"pattern", "^" + long_constant + "$"}}}}}};
    const auto failures = failures_of(schema, json{{"e", secret}, {"c", secret}, {"p", secret}});
    ASSERT_EQ(failures.size(), 3u) << listed(failures);
    for (const auto& f : failures) {
        EXPECT_EQ(f.message.find("CLIENT-VALUE"), std::string::npos) << f.message;
        EXPECT_LT(f.message.size(), 80u) << f.message;
    }
}

TEST(json_schema, stops_after_the_failure_cap) {
    const auto failures =
        failures_of(R"({"items": {"type": "string"}})"_json, json(std::vector<int>(5000, 1)));
    ASSERT_EQ(failures.size(), max_schema_failures);
    EXPECT_EQ(failures.back().pointer, "/" + std::to_string(max_schema_failures - 1));
}

TEST(json_schema, does_not_recurse_into_a_deep_instance_beyond_the_schema) {
    const std::string deep = std::string(200000, '[') + std::string(200000, ']');
    const auto instance = json::parse(deep);
    EXPECT_TRUE(
        failures_of(R"({"type": "array", "items": {"type": "array"}})"_json, instance).empty());
    EXPECT_EQ(failures_of(R"({"const": [[1]]})"_json, instance).size(), 1u);
}

TEST(json_schema, a_pattern_on_a_long_string_neither_crashes_nor_passes_unchecked) {
    // std::regex would overflow the stack on this length; the body limit allows 1 MiB.
    const std::string long_text(500000, 'a');
    EXPECT_TRUE(failures_of(R"({"pattern": "^[a-z]*$"})"_json, json(long_text)).empty());
    const auto failures = failures_of(R"({"pattern": "(a*)*b"})"_json, json(long_text));
    ASSERT_EQ(failures.size(), 1u);
    EXPECT_NE(failures[0].message.find("pattern"), std::string::npos);
}

TEST(json_schema, keeps_the_source_as_written) {
    const auto schema = R"({"title": "t", "type": "object"})"_json;
    const auto checker = compiled(schema);
    ASSERT_NE(checker, nullptr);
    EXPECT_EQ(checker->source(), schema);
}

struct problem_case {
    const char* schema;
    const char* expected; // the whole first problem
};

const problem_case problem_cases[] = {
    {R"(5)", "body_schema: a schema must be an object or a boolean"},
    {R"({"oneOf": []})", "body_schema: keyword 'oneOf' is not supported (supported: type, "
                         "properties, required, additionalProperties, items, enum, const, "
                         "minLength, maxLength, pattern, minimum, maximum, minItems, maxItems; "
                         "annotations: $schema, title, description, examples, default)"},
    {R"({"type": "text"})", "body_schema/type: \"text\" is not a type (object, array, string, "
                            "number, integer, boolean, null)"},
    {R"({"type": []})", "body_schema/type: must be a type name or a non-empty array of them"},
    {R"({"type": ["string", "string"]})", "body_schema/type: names \"string\" twice"},
    {R"({"type": 3})", "body_schema/type: 3 is not a type (object, array, string, number, "
                       "integer, boolean, null)"},
    {R"({"properties": []})", "body_schema/properties: must be an object of schemas"},
    {R"({"properties": {"a": "string"}})",
     "body_schema/properties/a: a schema must be an object or a boolean"},
    {R"({"required": "x"})", "body_schema/required: must be an array of strings"},
    {R"({"required": ["x", 1]})", "body_schema/required: must be an array of strings"},
    {R"({"required": ["x", "x"]})", "body_schema/required: names \"x\" twice"},
    {R"({"additionalProperties": {}})",
     "body_schema/additionalProperties: must be true or false (schemas are not supported here)"},
    {R"({"items": [{}]})", "body_schema/items: must be one schema"},
    {R"({"enum": []})", "body_schema/enum: must be a non-empty array"},
    {R"({"enum": "a"})", "body_schema/enum: must be a non-empty array"},
    {R"({"minLength": "3"})", "body_schema/minLength: must be a non-negative integer"},
    {R"({"maxLength": -1})", "body_schema/maxLength: must be a non-negative integer"},
    {R"({"minItems": 1.5})", "body_schema/minItems: must be a non-negative integer"},
    {R"({"maxItems": true})", "body_schema/maxItems: must be a non-negative integer"},
    {R"({"minimum": "0"})", "body_schema/minimum: must be a number"},
    {R"({"maximum": null})", "body_schema/maximum: must be a number"},
    {R"({"pattern": 5})", "body_schema/pattern: must be a string"},
};

TEST(json_schema, refuses_each_kind_of_bad_schema_naming_its_pointer) {
    for (const auto& c : problem_cases) {
        std::vector<std::string> problems;
        EXPECT_EQ(json_schema::compile(json::parse(c.schema), problems), nullptr) << c.schema;
        ASSERT_EQ(problems.size(), 1u) << c.schema;
        EXPECT_EQ(problems[0], c.expected);
    }
}

TEST(json_schema, refuses_a_regular_expression_that_does_not_compile) {
    std::vector<std::string> problems;
    EXPECT_EQ(json_schema::compile(R"({"pattern": "a(b"})"_json, problems), nullptr);
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].rfind("body_schema/pattern: is not a valid regular expression", 0), 0u)
        << problems[0];
}

TEST(json_schema, accepts_count_keywords_written_as_integral_floats) {
    EXPECT_FALSE(failures_of(R"({"minLength": 2.0})"_json, R"("a")"_json).empty());
}

TEST(json_schema, reports_all_problems_at_once_under_the_callers_name) {
    const auto schema = R"({"type": "object", "properties": {"formData": {"oneOf": [],
        "items": {"minLength": "3", "pattern": "("}}, "a~b/c": {"required": "x"}},
        "additionalProperties": {}})"_json;
    std::vector<std::string> problems{"an earlier problem"};
    const std::string name = "routes[2] 'price': body_schema";
    EXPECT_EQ(json_schema::compile(schema, problems, name), nullptr);
    EXPECT_EQ(problems.size(), 6u);
    for (const std::string expected :
         {"/properties/a~0b~1c/required: ", "/properties/formData/items/minLength: ",
          "/properties/formData/items/pattern: ",
          "/properties/formData: keyword 'oneOf' is not supported", "/additionalProperties: "}) {
        EXPECT_EQ(
            std::count_if(problems.begin(), problems.end(),
                          [&](const std::string& p) { return p.rfind(name + expected, 0) == 0; }),
            1)
            << expected;
    }
}

TEST(price_body_schema, compiles_and_points_at_the_failing_member) {
    const auto schema = compiled(price_body_schema());
    ASSERT_NE(schema, nullptr);
    const auto failures = schema->validate(
        R"({"priceDate": 1, "formData": [{"elementKey": "k", "elementValue": 1},
                                         {"elementValue": true}]})"_json);
    ASSERT_EQ(failures.size(), 3u) << listed(failures);
    EXPECT_EQ(failures[0].pointer, "/formData/1/elementKey");
    EXPECT_EQ(failures[0].message, "is required");
    EXPECT_EQ(failures[1].pointer, "/formData/1/elementValue");
    EXPECT_EQ(failures[1].message, "must be a string or a number");
    EXPECT_EQ(failures[2].pointer, "/priceDate");
}

// The verdicts of the hand-written check the schema replaced (section 3's rule): the first five
// bodies are accepted, every other one refused.
TEST(price_body_schema, accepts_and_refuses_what_section_3_says) {
    const auto schema = compiled(price_body_schema());
    ASSERT_NE(schema, nullptr);
    const char* bodies[] = {
        R"({"priceDate":"2024-07-18T09:32:49.744Z","formData":[{"elementKey":"seats",
            "elementValue":"5"},{"elementKey":"n","elementValue":3}]})",
        R"({"formData":[]})",
        R"({"formData":[{"elementKey":"k","elementValue":-1.5e3}]})",
        R"({"formData":[{"elementKey":"","elementValue":""}],"other":[1]})",
        R"({"formData":[{"elementKey":"k","elementValue":1,"extra":null}]})",
        "",
        "not json",
        "[]",
        "42",
        "null",
        R"({})",
        R"({"formData":{}})",
        R"({"formData":null})",
        R"({"formData":[1]})",
        R"({"formData":[[]]})",
        R"({"formData":[{"elementValue":"x"}]})",
        R"({"formData":[{"elementKey":1,"elementValue":"x"}]})",
        R"({"formData":[{"elementKey":"k"}]})",
        R"({"formData":[{"elementKey":"k","elementValue":null}]})",
        R"({"formData":[{"elementKey":"k","elementValue":true}]})",
        R"({"formData":[{"elementKey":"k","elementValue":[1]}]})",
        R"({"formData":[{"elementKey":"k","elementValue":{}}]})",
        R"({"formData":[{"elementKey":"k","elementValue":1},{"elementKey":2}]})",
        R"({"priceDate":5,"formData":[]})",
        R"({"priceDate":null,"formData":[]})",
        R"({"priceDate":"2024-07-18"})",
        R"({"formData":[]} trailing)",
    };
    constexpr std::size_t accepted = 5;
    for (std::size_t i = 0; i < std::size(bodies); ++i) {
        const auto parsed = json::parse(bodies[i], nullptr, false);
        const bool schema_accepts = !parsed.is_discarded() && schema->validate(parsed).empty();
        EXPECT_EQ(schema_accepts, i < accepted) << bodies[i];
    }
}

} // namespace
} // namespace kore_gateway
