#include "kore_gateway/http/json_validity.hpp"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kore_gateway/http/json_error.hpp"
#include "kore_gateway/mock/fake_upstreams.hpp"

namespace kore_gateway {
namespace {

using namespace std::literals;

// Each example is checked against nlohmann::json::accept as well: the validator replaced it in
// the forwarder and must answer as it did.
void expect_valid(std::string_view text) {
    const auto shown = ::testing::PrintToString(std::string(text));
    EXPECT_TRUE(is_valid_json(text)) << shown;
    EXPECT_TRUE(nlohmann::json::accept(text)) << "nlohmann rejects " << shown;
}

void expect_invalid(std::string_view text) {
    const auto shown = ::testing::PrintToString(std::string(text));
    EXPECT_FALSE(is_valid_json(text)) << shown;
    EXPECT_FALSE(nlohmann::json::accept(text)) << "nlohmann accepts " << shown;
}

std::string nested_arrays(std::size_t depth) {
    return std::string(depth, '[') + std::string(depth, ']');
}

// ---------------------------------------------------------------------------------------------
// Structure

TEST(json_validity, accepts_one_value_of_every_kind) {
    for (const auto text : {"{}", "[]", R"("")", "0", "true", "false", "null", R"({"a":1})",
                            R"([1,"two",null,true,false,{},[]])",
                            R"({"a":{"b":[{"c":[]}]},"d":""})", R"({"a":1,"a":2})"}) {
        expect_valid(text);
    }
}

TEST(json_validity, allows_space_tab_newline_and_return_between_tokens) {
    expect_valid(" \t\r\n{ \"a\" \t: [ 1 ,\n2 ] , \"b\"\r\n:\"c\" } \t\r\n");
    expect_valid("\n[\n]\n");
}

TEST(json_validity, rejects_other_whitespace) {
    for (const auto text : {"\f{}", "{}\v", "[1,\f2]", "\xC2\xA0{}", "{}\xC2\xA0"}) {
        expect_invalid(text);
    }
}

TEST(json_validity, rejects_no_value_and_more_than_one) {
    for (const auto text :
         {"", " ", "\r\n", "{}{}", "[] []", "1 2", R"("a" "b")", "{}}", "[]]", "{} x", "null,"}) {
        expect_invalid(text);
    }
}

TEST(json_validity, rejects_comments) {
    for (const auto text : {"// c\n{}", "{} // c", "/* c */ {}", "[1 /* c */]", "{}/**/"}) {
        expect_invalid(text);
    }
}

TEST(json_validity, rejects_trailing_and_missing_commas) {
    for (const auto text : {"[1,]", R"({"a":1,})", "[,1]", R"({,"a":1})", "[1,,2]", "[1 2]",
                            R"({"a":1 "b":2})", "[,]", "{,}"}) {
        expect_invalid(text);
    }
}

TEST(json_validity, rejects_unclosed_and_mismatched_containers) {
    for (const auto text : {"[", "{", "[1", R"({"a":1)", "[}", "{]", R"([{"a":1]})", R"({"a":[1})",
                            "]", "}", "[[]", R"({"a":{})"}) {
        expect_invalid(text);
    }
}

TEST(json_validity, object_members_are_string_colon_value) {
    expect_valid(R"({"":0})");
    for (const auto text :
         {"{a:1}", "{1:1}", "{null:1}", R"({'a':1})", R"({"a"})", R"({"a":})", R"({"a"=1})",
          R"({"a"::1})", R"({"a":1:2})", R"({["a"]:1})", R"(["a":1])"}) {
        expect_invalid(text);
    }
}

TEST(json_validity, literals_are_lower_case_and_whole) {
    for (const auto text : {"True", "FALSE", "Null", "tru", "nul", "fals", "truee", "nulll",
                            "t rue", "undefined", "NaN", "Infinity", "[true false]"}) {
        expect_invalid(text);
    }
}

// ---------------------------------------------------------------------------------------------
// Numbers

TEST(json_validity, accepts_numbers_of_the_rfc_grammar) {
    for (const auto text : {"0",
                            "-0",
                            "7",
                            "-7",
                            "1234567890",
                            "0.5",
                            "-0.5",
                            "10.25",
                            "1e5",
                            "1E5",
                            "1e+5",
                            "1e-5",
                            "1.5e10",
                            "-1.5E-10",
                            "0e0",
                            "0.0e-0",
                            "100",
                            "18446744073709551615",
                            "18446744073709551616",
                            "-9223372036854775809",
                            "[1,-2,3.5e1]"}) {
        expect_valid(text);
    }
}

TEST(json_validity, rejects_numbers_outside_the_grammar) {
    for (const auto text :
         {"01",  "-01", "00",    "+1",   ".5",    "-.5", "1.",    "1.e5", "-",    "--1", "1e",
          "1e+", "1E-", "1e5.5", "0x10", "1_000", "- 1", "1.5.5", "[01]", "[1.]", "-a",  "0b1"}) {
        expect_invalid(text);
    }
}

TEST(json_validity, rejects_numbers_that_overflow_a_double_as_nlohmann_does) {
    // nlohmann converts with strtod and rejects what becomes infinity.
    expect_valid("1e308");
    expect_valid("1.7976931348623157e308"); // the largest double
    expect_valid("-1.7976931348623157e308");
    expect_valid("1e-400"); // underflow is 0, which is fine
    expect_valid("0e99999999999999999999999");
    expect_valid("0.000e400");
    expect_valid("0.01e310");
    expect_valid(std::string(308, '9')); // a 308-digit integer
    expect_invalid("1e309");
    expect_invalid("-1e400");
    expect_invalid("1E99999999999999999999999");
    expect_invalid("0.1e310");
    expect_invalid("1" + std::string(309, '0')); // a 310-digit integer
    expect_invalid("[1,2e999]");
}

TEST(json_validity, rounds_at_the_double_limit_as_strtod_does) {
    // 2^1024 - 2^970, halfway between the largest double and 2^1024: ties go to even, which is
    // the overflow.
    const std::string halfway =
        "17976931348623158079372897140530341507993413271003782693617377898044496829276475094664901"
        "797758720709633028641669288791094655554785194040263065748867150582068190890200070838367627"
        "385484581771153176447573027006985557136695962284291481986083493647529271907416844436551070"
        "4342711559699508093042880177904174497792";
    ASSERT_EQ(halfway.size(), 309u);
    expect_invalid(halfway);
    expect_invalid(halfway + ".0");
    expect_invalid("-" + halfway);
    expect_invalid("0." + halfway + "e309");
    expect_invalid(halfway.substr(0, 1) + "." + halfway.substr(1) + "e308");
    expect_invalid(halfway.substr(0, 308) + "3"); // above it
    std::string just_below = halfway;
    just_below.back() = '1';
    expect_valid(just_below);
    expect_valid(just_below + ".999999");
    expect_valid("1.797693134862315807e308");
    expect_invalid("1.797693134862315808e308");
}

// ---------------------------------------------------------------------------------------------
// Strings

TEST(json_validity, accepts_every_escape) {
    expect_valid(R"("\" \\ \/ \b \f \n \r \t")");
    expect_valid(R"("\u0000 \u001f \u0041 \u00e9 \u00E9 \uFFFF \uabcd")");
    expect_valid(R"({"\u0041":"\n"})");
}

TEST(json_validity, rejects_unknown_and_cut_escapes) {
    for (const auto text : {R"("\x41")", R"("\'")", R"("\a")", R"("\U0041")", R"("\u41")",
                            R"("\u004")", R"("\u004G")", R"("\u-041")", R"("\u+041")",
                            R"("\u 041")", R"("\0")", R"("\)", R"("\")", R"("abc\)"}) {
        expect_invalid(text);
    }
}

TEST(json_validity, surrogate_escapes_come_in_pairs) {
    expect_valid(R"("\ud83d\ude00")"); // U+1F600
    expect_valid(R"("\uD800\uDC00 \uDBFF\uDFFF")");
    for (const auto text : {R"("\ud83d")", R"("\ud83d x")", R"("\ud83d\n")", R"("\ud83d\u0041")",
                            R"("\ud83d\ud83d")", R"("\ude00")", R"("\ude00\ud83d")", R"("\uDC00")",
                            R"("\ud83d\ude0")", R"("\ud83d\")", R"("\ud83d)"}) {
        expect_invalid(text);
    }
}

TEST(json_validity, rejects_raw_control_characters_in_strings) {
    for (const auto text : {"\"a\nb\"", "\"\t\"", "\"\r\"", "\"\x01\"", "\"\x1f\"", "\"\b\""}) {
        expect_invalid(text);
    }
    expect_invalid("\"a\0b\""sv);
    expect_valid("\"\x7f\""); // DEL is not a control character for JSON
}

// The string scan looks at 16 bytes at a time: every kind of byte it must stop at, at every
// offset of the first three blocks and at the tail shorter than a block.
TEST(json_validity, stops_at_every_special_string_byte_wherever_it_falls) {
    const std::string_view specials[] = {
        "\"",       "\\n",          "\\u00e9",          "\n",   "\x1f", "\x7f",
        "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xC3", "\xFF", "\x80"};
    for (std::size_t length = 0; length <= 50; ++length) {
        for (std::size_t at = 0; at <= length; ++at) {
            for (const auto special : specials) {
                std::string value(length, 'a');
                value.insert(at, special);
                const auto text = "[\"" + value + "\"]";
                const auto shown = ::testing::PrintToString(text);
                ASSERT_EQ(is_valid_json(text), nlohmann::json::accept(text)) << shown;
            }
        }
    }
    expect_valid("\"" + std::string(100, 'x') + "\"");
    expect_invalid("\"" + std::string(100, 'x'));
}

// Whitespace runs are skipped 16 bytes at a time too: runs of every length, ending in a token,
// in another whitespace kind, in a byte JSON does not allow there, or at the end of the text.
TEST(json_validity, skips_whitespace_runs_of_every_length) {
    const std::string_view blanks = " \n\r\t";
    for (std::size_t length = 0; length <= 40; ++length) {
        std::string run;
        for (std::size_t i = 0; i < length; ++i) {
            run += blanks[i % blanks.size()];
        }
        for (const auto* after : {"1", "]", "\v1", "\f1",
                                  "\xA0"
                                  "1",
                                  "x", ""}) {
            for (const auto& text : {"[" + run + after + "]", "[1," + run + after + "]",
                                     "{\"a\":" + run + after + "}", run + after}) {
                const auto shown = ::testing::PrintToString(text);
                ASSERT_EQ(is_valid_json(text), nlohmann::json::accept(text)) << shown;
            }
        }
    }
}

// Digits are skipped 16 at a time, then one by one: runs of every length in each part of a
// number, followed by the bytes on either side of '0'-'9' and others.
TEST(json_validity, skips_digit_runs_of_every_length) {
    for (std::size_t length = 1; length <= 40; ++length) {
        std::string run;
        for (std::size_t i = 0; i < length; ++i) {
            run += static_cast<char>('1' + i % 9);
        }
        for (const auto* after : {"", "]", "/", ":", "x", ".", "e", " ", "\xB0", "0"}) {
            for (const auto& number : {run + after, "0." + run + after, "1e" + run + after,
                                       "-" + run + ".5E-" + run + after}) {
                for (const auto& text : {number, "[" + number + "]", "{\"a\":" + number + "}"}) {
                    const auto shown = ::testing::PrintToString(text);
                    ASSERT_EQ(is_valid_json(text), nlohmann::json::accept(text)) << shown;
                }
            }
        }
    }
}

TEST(json_validity, rejects_unterminated_strings) {
    for (const auto text : {"\"", "\"abc", R"({"a)", R"({"a":"b)", R"(["a])", "'a'"}) {
        expect_invalid(text);
    }
}

// ---------------------------------------------------------------------------------------------
// UTF-8

TEST(json_validity, accepts_well_formed_utf8_at_every_boundary) {
    for (const auto text : {"\"\xC2\x80\"",         // U+0080
                            "\"\xDF\xBF\"",         // U+07FF
                            "\"\xE0\xA0\x80\"",     // U+0800
                            "\"\xED\x9F\xBF\"",     // U+D7FF
                            "\"\xEE\x80\x80\"",     // U+E000
                            "\"\xEF\xBF\xBF\"",     // U+FFFF
                            "\"\xF0\x90\x80\x80\"", // U+10000
                            "\"\xF4\x8F\xBF\xBF\"", // U+10FFFF
                            "\"Gr\xC3\xBC\xC3\x9F\x65 \xE2\x82\xAC \xF0\x9F\x98\x80\"",
                            "{\"\xC3\xA9t\xC3\xA9\":\"\xE6\x97\xA5\"}"}) {
        expect_valid(text);
    }
}

TEST(json_validity, rejects_ill_formed_utf8) {
    for (const auto text : {"\"\x80\"",                 // a continuation byte alone
                            "\"\xBF\"",                 //
                            "\"\xC0\x80\"",             // overlong NUL
                            "\"\xC1\xBF\"",             // overlong U+007F
                            "\"\xE0\x9F\xBF\"",         // overlong U+07FF
                            "\"\xED\xA0\x80\"",         // the surrogate U+D800
                            "\"\xED\xBF\xBF\"",         // the surrogate U+DFFF
                            "\"\xF0\x8F\xBF\xBF\"",     // overlong U+FFFF
                            "\"\xF4\x90\x80\x80\"",     // U+110000
                            "\"\xF5\x80\x80\x80\"",     // beyond U+10FFFF
                            "\"\xF8\x88\x80\x80\x80\"", // 5 bytes
                            "\"\xFE\"",
                            "\"\xFF\"",         //
                            "\"\xC3\"",         // cut by the closing quote
                            "\"\xE2\x82\"",     //
                            "\"\xF0\x9F\x98\"", //
                            "\"\xC3",           // cut by the end
                            "\"\xE2\x82",       //
                            "\"\xC3\x41\"",     // not a continuation byte
                            "\"\xE2\x28\xA1\"", //
                            "\"\xF0\x9F\x28\x80\""}) {
        expect_invalid(text);
    }
}

TEST(json_validity, rejects_non_ascii_bytes_outside_strings) {
    for (const auto text : {"\xC3\xA9", "[\xC3\xA9]", "{\xE2\x80\x8B}", "[1,\xC2\xA0 2]"}) {
        expect_invalid(text);
    }
}

// ---------------------------------------------------------------------------------------------
// nlohmann's quirks, kept

TEST(json_validity, skips_a_byte_order_mark_only_at_the_start) {
    expect_valid("\xEF\xBB\xBF{}");
    expect_valid("\xEF\xBB\xBF \"a\" ");
    for (const auto text : {"\xEF\xBB\xBF", "\xEF\xBB{}", "\xEF{}", " \xEF\xBB\xBF{}",
                            "\xEF\xBB\xBF\xEF\xBB\xBF{}", "[\xEF\xBB\xBF]", "{}\xEF\xBB\xBF"}) {
        expect_invalid(text);
    }
}

TEST(json_validity, a_nul_byte_after_the_value_ends_the_input) {
    // nlohmann's lexer takes NUL for the end of a C string wherever the input may end.
    expect_valid("{}\0"sv);
    expect_valid("[1] \0 anything, even \xFF"sv);
    expect_valid("7\0 8"sv);
    expect_valid("true\0"sv);
    expect_invalid("\0"sv);
    expect_invalid(" \0{}"sv);
    expect_invalid("[1\0]"sv);
    expect_invalid("[1,\0]"sv);
    expect_invalid("{\"a\"\0:1}"sv);
    expect_invalid("tr\0ue"sv);
}

// ---------------------------------------------------------------------------------------------
// Nesting

TEST(json_validity, accepts_nesting_up_to_the_limit) {
    expect_valid(nested_arrays(max_json_nesting_depth));
    std::string objects;
    for (std::size_t i = 0; i + 1 < max_json_nesting_depth; ++i) {
        objects += R"({"a":)";
    }
    objects += "[]" + std::string(max_json_nesting_depth - 1, '}');
    expect_valid(objects);
    // Alternating containers, to check each closing bracket against the right opening one.
    std::string mixed;
    for (std::size_t i = 0; i < max_json_nesting_depth / 2; ++i) {
        mixed += R"([{"k":)";
    }
    mixed += "0";
    for (std::size_t i = 0; i < max_json_nesting_depth / 2; ++i) {
        mixed += "}]";
    }
    expect_valid(mixed);
    mixed.replace(mixed.find('}'), 2, "]}");
    expect_invalid(mixed);
}

TEST(json_validity, rejects_nesting_beyond_the_limit_unlike_nlohmann) {
    // The one intended difference (see the header): nlohmann accepts any depth.
    const auto deep = nested_arrays(max_json_nesting_depth + 1);
    EXPECT_FALSE(is_valid_json(deep));
    EXPECT_TRUE(nlohmann::json::accept(deep));
    // An empty container counts as a level too.
    EXPECT_FALSE(is_valid_json(std::string(max_json_nesting_depth, '[') + "{}" +
                               std::string(max_json_nesting_depth, ']')));
    // Very deep input fails without exhausting the stack.
    EXPECT_FALSE(is_valid_json(std::string(1'000'000, '[')));
}

// ---------------------------------------------------------------------------------------------
// What the gateway forwards

TEST(json_validity, accepts_what_the_fake_upstreams_answer) {
    fake_auth auth("client-1", "secret-1", "pss-api");
    fake_kore kore("key-1", auth);
    fake_catalog catalog;
    const auto token_reply = auth.handle(
        {"POST",
         "/connect/token",
         {{"content-type", "application/x-www-form-urlencoded"}},
         "grant_type=client_credentials&scope=pss-api&client_id=client-1&client_secret=secret-1"});
    expect_valid(token_reply.body);
    const auto token =
        nlohmann::json::parse(token_reply.body).at("access_token").get<std::string>();

    std::vector<std::string> bodies;
    for (const auto& id : fake_kore::opportunity_ids()) {
        bodies.push_back(
            kore.handle({"GET",
                         "/aggregates/premium-deal-summaries/by-opportunity/" + id,
                         {{"x-api-key", "key-1"}, {"authorization", "Bearer " + token}},
                         {}})
                .body);
    }
    bodies.push_back(kore.handle({"GET", "/nowhere", {}, {}}).body); // KORE's error shape
    bodies.push_back(catalog.handle({"GET", "/api/v1/products", {}, {}}).body);
    bodies.push_back(catalog
                         .handle({"GET",
                                  "/api/v1/products/" + std::string(sample_product_id) +
                                      "/offers?customerId=C-1001",
                                  {},
                                  {}})
                         .body);
    bodies.push_back(catalog.handle({"GET", "/api/v1/nowhere", {}, {}}).body); // problem details
    bodies.push_back(error_body(errors::upstream_timeout, "the KORE API did not answer", "e1"));
    for (const auto& body : bodies) {
        ASSERT_GT(body.size(), 2u);
        expect_valid(body);
        // Cut anywhere inside, such a body is not JSON any more.
        expect_invalid(std::string_view(body).substr(0, body.size() / 2));
        expect_invalid(std::string_view(body).substr(0, body.size() - 1));
    }
}

TEST(json_validity, accepts_a_deal_summary_as_kore_documents_it) {
    expect_valid(R"json([{
  "premium_deal_id": "1234abcd-1234-abcd-123456789abc",
  "premium_deal_#": "5555",
  "account_name": "Try Now Do Ltd",
  "total_seats": 8,
  "event_name": "Springfield vs. Shelbyville 1/30/21",
  "premium_deal_contracted_on": null,
  "premium_deal_total": 25000.000000,
  "f&b_package": 0.000000,
  "offerIsTrail": false
}])json");
}

} // namespace
} // namespace kore_gateway
