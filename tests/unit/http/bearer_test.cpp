#include "kore_gateway/http/bearer.hpp"

#include <gtest/gtest.h>

namespace kore_gateway {
namespace {

TEST(bearer_credentials, takes_the_token_whatever_the_case_of_the_scheme) {
    EXPECT_EQ(bearer_credentials("Bearer abc"), "abc");
    EXPECT_EQ(bearer_credentials("bearer abc"), "abc");
    EXPECT_EQ(bearer_credentials("BEARER abc"), "abc");
    EXPECT_EQ(bearer_credentials("Bearer   abc"), "abc");
}

TEST(bearer_credentials, refuses_other_schemes_and_missing_tokens) {
    EXPECT_FALSE(bearer_credentials(""));
    EXPECT_FALSE(bearer_credentials("Bearer"));
    EXPECT_FALSE(bearer_credentials("Bearer "));
    EXPECT_FALSE(bearer_credentials("Bearerabc"));
    EXPECT_FALSE(bearer_credentials("Basic abc"));
    EXPECT_FALSE(bearer_credentials("abc"));
}

} // namespace
} // namespace kore_gateway
