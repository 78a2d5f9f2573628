#include "kore_gateway/cache/cacheability.hpp"

#include <optional>

#include <gtest/gtest.h>

namespace kore_gateway {
namespace {

TEST(cacheability, only_200_is_storable) {
    for (unsigned status : {100u, 201u, 203u, 204u, 206u, 301u, 304u, 400u, 404u, 500u, 503u}) {
        EXPECT_FALSE(is_storable(status, "")) << status;
    }
    EXPECT_TRUE(is_storable(200, ""));
}

TEST(cacheability, cache_control_table) {
    struct row {
        const char* cache_control;
        bool storable;
    };
    const row rows[] = {
        {"", true},
        {"max-age=5", true},
        {"public, max-age=60", true},
        {"no-cache", true},
        {"no-store", false},
        {"private", false},
        {"NO-STORE", false},
        {"Private", false},
        {"max-age=5, no-store", false},
        {"no-store,max-age=5", false},
        {"  private  ,max-age=5", false},
        {"public,\tno-store", false},
        {"private=\"Set-Cookie\"", false},
        {"private=\"Set-Cookie, X-Other\", max-age=5", false},
        {"private = \"x\"", false},
        {"no-stored", true},
        {"x-no-store", true},
        {"privateer", true},
        {"max-age=private", true},
        {"no-cache=\"no-store, private\"", true},
        {"no-cache=\"a\\\"no-store\", max-age=5", true},
        {"no-cache=\"a\\\"b\", no-store", false},
        {"ext=no-store", true},
        {",,private,,", false},
    };
    for (const auto& r : rows) {
        EXPECT_EQ(is_storable(200, r.cache_control), r.storable) << r.cache_control;
    }
    EXPECT_FALSE(is_storable(404, "max-age=5"));
}

TEST(cacheability, find_cache_directive_returns_the_argument_of_a_whole_directive) {
    struct row {
        std::string_view value;
        std::string_view name;
        std::optional<std::string_view> argument;
    };
    for (const auto& [value, name, argument] : std::initializer_list<row>{
             {"max-age=300", "max-age", "300"},
             {"public, MAX-AGE = 60 , no-transform", "max-age", "60"},
             {"no-store", "no-store", ""},
             {"no-cache=\"a, no-store\", max-age=5", "no-store", std::nullopt},
             {"no-cache=\"a, no-store\", max-age=5", "max-age", "5"},
             {"x-max-age=5", "max-age", std::nullopt},
             {"max-age=\"7\"", "max-age", "\"7\""},
             {"", "max-age", std::nullopt},
             {"private=\"unterminated", "private", "\"unterminated"},
         }) {
        EXPECT_EQ(find_cache_directive(value, name), argument) << value << " / " << name;
    }
}

TEST(cacheability, etag_is_a_quoted_truncated_sha256) {
    EXPECT_EQ(make_etag(""), "\"e3b0c44298fc1c149afbf4c8996fb924\"");
    EXPECT_EQ(make_etag("abc"), "\"ba7816bf8f01cfea414140de5dae2223\"");
}

TEST(cacheability, etag_is_stable_and_differs_for_different_bodies) {
    EXPECT_EQ(make_etag("{\"a\":1}"), make_etag("{\"a\":1}"));
    EXPECT_NE(make_etag("{\"a\":1}"), make_etag("{\"a\":2}"));
    EXPECT_NE(make_etag("{\"a\":1}"), make_etag("{\"a\":1} "));
}

TEST(cacheability, if_none_match_table) {
    const std::string etag = "\"abc\"";
    struct row {
        const char* if_none_match;
        bool matches;
    };
    const row rows[] = {
        {"\"abc\"", true},
        {"W/\"abc\"", true},
        {"*", true},
        {"  *  ", true},
        {"\"x\", \"abc\"", true},
        {"\"x\",W/\"abc\"", true},
        {"\"x\" ,\t\"abc\" , \"y\"", true},
        {", \"abc\",", true},
        {"\"a,b\", \"abc\"", true},
        {"", false},
        {"\"abd\"", false},
        {"\"ABC\"", false},
        {"abc", false},
        {"\"abc", false},
        {"\"x\", \"y\"", false},
        {"w/\"abc\"", false},
        {"\"x\" \"abc\"", false},
        {"\"a,\"abc\"\"", false},
        {"*, \"x\"", false},
    };
    for (const auto& r : rows) {
        EXPECT_EQ(if_none_match_matches(r.if_none_match, etag), r.matches) << r.if_none_match;
    }
}

TEST(cacheability, if_none_match_compares_weakly_on_both_sides) {
    EXPECT_TRUE(if_none_match_matches("\"abc\"", "W/\"abc\""));
    EXPECT_TRUE(if_none_match_matches("W/\"abc\"", "W/\"abc\""));
}

TEST(cacheability, if_none_match_never_matches_an_empty_etag) {
    EXPECT_FALSE(if_none_match_matches("*", ""));
    EXPECT_FALSE(if_none_match_matches("\"\"", ""));
}

TEST(cacheability, if_none_match_accepts_what_make_etag_produces) {
    const auto etag = make_etag("{\"products\":[]}");
    EXPECT_TRUE(if_none_match_matches(etag, etag));
    EXPECT_TRUE(if_none_match_matches("W/" + etag, etag));
    EXPECT_FALSE(if_none_match_matches(make_etag("{}"), etag));
}

} // namespace
} // namespace kore_gateway
