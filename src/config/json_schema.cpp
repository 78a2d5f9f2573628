#include "kore_gateway/config/json_schema.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>
#include <optional>
#include <stdexcept>
#include <utility>

#include "kore_gateway/util/regex.hpp"

namespace kore_gateway {

using nlohmann::json;

namespace {

// 2020-12: an integer is any number with a zero fractional part, so 1.0 is one.
bool is_integral(const json& value) {
    const double d = value.is_number_float() ? value.get<double>() : 0.5;
    return value.is_number_integer() || (std::isfinite(d) && std::trunc(d) == d);
}

// A node's `type` is a bit set over this table: bit i stands for type_names[i].
struct json_type {
    std::string_view name;
    std::string_view phrase; // as in "must be an object"
    bool (*holds)(const json&);
};

constexpr json_type type_names[] = {
    {"object", "an object", [](const json& v) { return v.is_object(); }},
    {"array", "an array", [](const json& v) { return v.is_array(); }},
    {"string", "a string", [](const json& v) { return v.is_string(); }},
    {"number", "a number", [](const json& v) { return v.is_number(); }},
    {"integer", "an integer", is_integral},
    {"boolean", "a boolean", [](const json& v) { return v.is_boolean(); }},
    {"null", "null", [](const json& v) { return v.is_null(); }}};

bool has_type(unsigned types, const json& value) {
    for (std::size_t i = 0; i < std::size(type_names); ++i) {
        if ((types & (1u << i)) != 0 && type_names[i].holds(value)) {
            return true;
        }
    }
    return false;
}

std::string type_phrase(unsigned types) {
    std::string phrase;
    for (std::size_t i = 0; i < std::size(type_names); ++i) {
        if ((types & (1u << i)) != 0) {
            phrase += phrase.empty() ? "" : " or ";
            phrase += type_names[i].phrase;
        }
    }
    return phrase;
}

constexpr std::string_view supported_keywords =
    "type, properties, required, additionalProperties, items, enum, const, minLength, "
    "maxLength, pattern, minimum, maximum, minItems, maxItems; annotations: $schema, title, "
    "description, examples, default";

bool is_annotation(std::string_view keyword) {
    return keyword == "$schema" || keyword == "title" || keyword == "description" ||
           keyword == "examples" || keyword == "default";
}

bool is_utf8_continuation(char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// minLength and maxLength count code points; nlohmann's parser has already checked the UTF-8.
std::size_t code_points(std::string_view text) {
    return static_cast<std::size_t>(
        std::count_if(text.begin(), text.end(), [](char c) { return !is_utf8_continuation(c); }));
}

// Schema values quoted in messages (enum, const, bounds, pattern) are cut so an answer to a
// client stays short; instance values are never quoted.
std::string shorten(std::string text) {
    constexpr std::size_t limit = 40;
    if (text.size() <= limit) {
        return text;
    }
    std::size_t cut = limit;
    while (cut > 0 && is_utf8_continuation(text[cut])) {
        --cut;
    }
    text.resize(cut);
    return text + "...";
}

// Runs f with path extended by one reference token, then restores it; json_pointer escapes ~
// and / (RFC 6901) when it is written out.
template <class F> void with_token(json::json_pointer& path, std::string token, F&& f) {
    path.push_back(std::move(token));
    f();
    path.pop_back();
}

} // namespace

struct json_schema::node {
    bool rejects_all = false; // the schema `false`
    unsigned types = 0;       // type bits; 0 = any type
    std::map<std::string, std::unique_ptr<const node>, std::less<>> properties;
    std::vector<std::string> required;
    bool additional_properties = true;
    std::unique_ptr<const node> items;
    std::optional<json> enum_values; // a non-empty array
    std::optional<json> const_value;
    std::optional<std::size_t> min_length, max_length, min_items, max_items;
    std::optional<json> minimum, maximum; // numbers, kept as written for messages
    std::optional<boost::regex> pattern;
    std::string pattern_text;
};

namespace {

using node = json_schema::node;

// Builds nodes from a schema, appending every problem rather than stopping at the first.
class compiler {
public:
    compiler(std::string_view name, std::vector<std::string>& problems)
        : name_(name), problems_(problems) {}

    std::unique_ptr<node> compile(const json& schema) {
        auto compiled = std::make_unique<node>();
        if (schema.is_boolean()) {
            compiled->rejects_all = !schema.get<bool>();
        } else if (!schema.is_object()) {
            problems_.push_back(here() + ": a schema must be an object or a boolean");
        } else {
            for (const auto& [keyword, value] : schema.items()) {
                add_keyword(*compiled, keyword, value);
            }
        }
        return compiled;
    }

private:
    void add_keyword(node& n, const std::string& keyword, const json& value) {
        if (keyword == "type") {
            n.types = types(value);
        } else if (keyword == "properties") {
            properties(n, value);
        } else if (keyword == "required") {
            required(n, value);
        } else if (keyword == "additionalProperties") {
            if (expect(value.is_boolean(), keyword,
                       "must be true or false (schemas are not supported here)")) {
                n.additional_properties = value.get<bool>();
            }
        } else if (keyword == "items") {
            if (expect(value.is_object() || value.is_boolean(), keyword, "must be one schema")) {
                with_token(where_, keyword, [&] { n.items = compile(value); });
            }
        } else if (keyword == "enum") {
            if (expect(value.is_array() && !value.empty(), keyword, "must be a non-empty array")) {
                n.enum_values = value;
            }
        } else if (keyword == "const") {
            n.const_value = value;
        } else if (keyword == "minLength" || keyword == "maxLength" || keyword == "minItems" ||
                   keyword == "maxItems") {
            // 2.0 is an integer too; the upper bound keeps the conversion exact and defined.
            const double limit = is_integral(value) ? value.get<double>() : -1;
            if (expect(limit >= 0 && limit < 1e15, keyword, "must be a non-negative integer")) {
                (keyword == "minLength"   ? n.min_length
                 : keyword == "maxLength" ? n.max_length
                 : keyword == "minItems"  ? n.min_items
                                          : n.max_items) = static_cast<std::size_t>(limit);
            }
        } else if (keyword == "minimum" || keyword == "maximum") {
            if (expect(value.is_number(), keyword, "must be a number")) {
                (keyword == "minimum" ? n.minimum : n.maximum) = value;
            }
        } else if (keyword == "pattern") {
            pattern(n, value);
        } else if (!is_annotation(keyword)) {
            problems_.push_back(
                here() + ": keyword '" + shorten(keyword) +
                "' is not supported (supported: " + std::string(supported_keywords) + ")");
        }
    }

    unsigned types(const json& value) {
        const json names = value.is_array() ? value : json::array({value});
        if (names.empty()) {
            bad("type", "must be a type name or a non-empty array of them");
        }
        unsigned mask = 0;
        for (const auto& name : names) {
            const auto* const found =
                std::find_if(std::begin(type_names), std::end(type_names), [&](const json_type& t) {
                    return name.is_string() && name.get_ref<const std::string&>() == t.name;
                });
            const unsigned bit = 1u << (found - std::begin(type_names));
            if (found == std::end(type_names)) {
                bad("type", shorten(name.dump()) +
                                " is not a type (object, array, string, number, integer, "
                                "boolean, null)");
            } else if ((mask & bit) != 0) {
                bad("type", "names " + name.dump() + " twice");
            } else {
                mask |= bit;
            }
        }
        return mask;
    }

    void properties(node& n, const json& value) {
        if (!expect(value.is_object(), "properties", "must be an object of schemas")) {
            return;
        }
        with_token(where_, "properties", [&] {
            for (const auto& item : value.items()) {
                // Not a structured binding: clang 14 (the fuzz build) cannot capture one.
                const std::string& name = item.key();
                const json& schema = item.value();
                with_token(where_, name, [&] { n.properties.emplace(name, compile(schema)); });
            }
        });
    }

    void required(node& n, const json& value) {
        const bool strings =
            value.is_array() && std::all_of(value.begin(), value.end(),
                                            [](const json& name) { return name.is_string(); });
        if (!expect(strings, "required", "must be an array of strings")) {
            return;
        }
        for (const auto& name : value) {
            if (std::find(n.required.begin(), n.required.end(), name) != n.required.end()) {
                bad("required", "names " + shorten(name.dump()) + " twice");
            }
            n.required.push_back(name.get<std::string>());
        }
    }

    void pattern(node& n, const json& value) {
        if (!expect(value.is_string(), "pattern", "must be a string")) {
            return;
        }
        try {
            n.pattern.emplace(value.get<std::string>(), ecmascript_regex_flags);
            n.pattern_text = value.get<std::string>();
        } catch (const boost::regex_error& e) {
            bad("pattern", std::string("is not a valid regular expression: ") + e.what());
        }
    }

    bool expect(bool ok, std::string_view keyword, const std::string& message) {
        if (!ok) {
            bad(keyword, message);
        }
        return ok;
    }

    void bad(std::string_view keyword, const std::string& message) {
        with_token(where_, std::string(keyword),
                   [&] { problems_.push_back(here() + ": " + message); });
    }

    std::string here() const { return name_ + where_.to_string(); }

    std::string name_;         // the caller's name for the schema: "body_schema"
    json::json_pointer where_; // of the schema being compiled
    std::vector<std::string>& problems_;
};

// Walks instance and schema together; recursion follows the schema's nodes only.
class validator {
public:
    void check(const node& n, const json& value) {
        if (n.rejects_all) {
            fail("is not allowed");
            return;
        }
        if (n.types != 0 && !has_type(n.types, value)) {
            fail("must be " + type_phrase(n.types)); // the node's other keywords would be noise
            return;
        }
        if (n.enum_values && std::find(n.enum_values->begin(), n.enum_values->end(), value) ==
                                 n.enum_values->end()) {
            fail("must be one of " + shorten(n.enum_values->dump()));
        }
        if (n.const_value && *n.const_value != value) {
            fail("must equal " + shorten(n.const_value->dump()));
        }
        if (value.is_string()) {
            check_string(n, value.get_ref<const std::string&>());
        } else if (value.is_number()) {
            check_number(n, value.get<double>());
        } else if (value.is_array()) {
            check_array(n, value);
        } else if (value.is_object()) {
            check_object(n, value);
        }
    }

    std::vector<schema_failure> take_failures() && { return std::move(failures_); }

private:
    void check_string(const node& n, const std::string& text) {
        check_count(code_points(text), n.min_length, n.max_length, "characters");
        if (n.pattern) {
            try {
                if (!boost::regex_search(text, *n.pattern)) {
                    fail("must match the pattern " + shorten(n.pattern_text));
                }
            } catch (const std::runtime_error&) {
                // Boost gives up on a match that is too long or too complex: refuse the value
                // rather than accept what was not checked.
                fail("could not be checked against the pattern " + shorten(n.pattern_text));
            }
        }
    }

    void check_count(std::size_t count, std::optional<std::size_t> min,
                     std::optional<std::size_t> max, std::string_view unit) {
        if (min && count < *min) {
            fail("must have at least " + std::to_string(*min) + " " + std::string(unit));
        }
        if (max && count > *max) {
            fail("must have at most " + std::to_string(*max) + " " + std::string(unit));
        }
    }

    void check_number(const node& n, double number) {
        if (n.minimum && number < n.minimum->get<double>()) {
            fail("must be at least " + shorten(n.minimum->dump()));
        }
        if (n.maximum && number > n.maximum->get<double>()) {
            fail("must be at most " + shorten(n.maximum->dump()));
        }
    }

    void check_array(const node& n, const json& array) {
        check_count(array.size(), n.min_items, n.max_items, "items");
        if (!n.items) {
            return;
        }
        for (std::size_t i = 0; i < array.size() && !full(); ++i) {
            with_token(pointer_, std::to_string(i), [&] { check(*n.items, array[i]); });
        }
    }

    void check_object(const node& n, const json& object) {
        for (const auto& name : n.required) {
            if (!object.contains(name)) {
                with_token(pointer_, name, [&] { fail("is required"); });
            }
        }
        for (auto member = object.begin(); member != object.end() && !full(); ++member) {
            const auto property = n.properties.find(member.key());
            with_token(pointer_, member.key(), [&] {
                if (property != n.properties.end()) {
                    check(*property->second, member.value());
                } else if (!n.additional_properties) {
                    fail("is not allowed");
                }
            });
        }
    }

    bool full() const { return failures_.size() >= max_schema_failures; }

    void fail(std::string message) {
        if (!full()) {
            failures_.push_back({pointer_.to_string(), std::move(message)});
        }
    }

    json::json_pointer pointer_; // of the value being checked
    std::vector<schema_failure> failures_;
};

} // namespace

json_schema::json_schema(json source, std::shared_ptr<const node> root)
    : source_(std::move(source)), root_(std::move(root)) {}

std::shared_ptr<const json_schema> json_schema::compile(const json& schema,
                                                        std::vector<std::string>& problems,
                                                        std::string_view name) {
    const auto before = problems.size();
    std::shared_ptr<const node> root = compiler(name, problems).compile(schema);
    if (problems.size() != before) {
        return nullptr;
    }
    return std::shared_ptr<const json_schema>(new json_schema(schema, std::move(root)));
}

std::vector<schema_failure> json_schema::validate(const json& instance) const {
    validator checker;
    checker.check(*root_, instance);
    return std::move(checker).take_failures();
}

const json& price_body_schema() {
    static const json schema = json::parse(R"({"type": "object", "required": ["formData"],
        "properties": {
            "formData": {"type": "array", "items": {"type": "object",
                "required": ["elementKey", "elementValue"],
                "properties": {"elementKey": {"type": "string"},
                               "elementValue": {"type": ["string", "number"]}}}},
            "priceDate": {"type": "string"}}})");
    return schema;
}

} // namespace kore_gateway
