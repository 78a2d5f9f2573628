#include "kore_gateway/auth/sealed_token.hpp"

#include <gtest/gtest.h>
#include <openssl/err.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace kore_gateway {
namespace {

using namespace std::chrono_literals;
using wall_time = std::chrono::system_clock::time_point;
using steady_time = std::chrono::steady_clock::time_point;

const std::string client_secret = "s3cr3t-client-secret";
const std::string identity =
    R"(["https://idp.example/token","client-a","read write","api://orders",""])";
// Whole milliseconds, as the sealed value stores them, so that a round trip is exact.
const wall_time obtained{std::chrono::milliseconds{1'700'000'000'123}};

shared_token make_token(std::string text = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl") {
    return shared_token{std::move(text), obtained, obtained + 3600s, obtained + 3240s};
}

void expect_same(const shared_token& got, const shared_token& want) {
    EXPECT_EQ(got.access_token, want.access_token);
    EXPECT_EQ(got.obtained_at, want.obtained_at);
    EXPECT_EQ(got.expires_at, want.expires_at);
    EXPECT_EQ(got.refresh_at, want.refresh_at);
}

TEST(sealed_token, round_trip_keeps_token_and_times) {
    const auto key = derive_token_key(client_secret, identity);
    const auto token = make_token();
    const auto opened = open_token(key, seal_token(key, token));
    ASSERT_TRUE(opened);
    expect_same(*opened, token);
}

TEST(sealed_token, round_trip_of_binary_and_empty_tokens) {
    const auto key = derive_token_key(client_secret, identity);
    for (const auto& text : {std::string(), std::string("a\0b\xff", 4), std::string(65536, 'x')}) {
        const auto opened = open_token(key, seal_token(key, make_token(text)));
        ASSERT_TRUE(opened) << text.size();
        EXPECT_EQ(opened->access_token, text);
    }
}

TEST(sealed_token, key_derived_again_from_the_same_inputs_opens_it) {
    const auto sealed = seal_token(derive_token_key(client_secret, identity), make_token());
    const auto opened = open_token(derive_token_key(client_secret, identity), sealed);
    ASSERT_TRUE(opened);
    expect_same(*opened, make_token());
}

// A default string_view has a null data pointer, which OpenSSL's HKDF would refuse.
TEST(sealed_token, empty_secret_or_identity_still_derives_a_working_key) {
    for (const auto& [s, i] : {std::pair{std::string_view(), std::string_view(identity)},
                               std::pair{std::string_view(client_secret), std::string_view()},
                               std::pair{std::string_view(), std::string_view()}}) {
        const auto key = derive_token_key(s, i);
        EXPECT_TRUE(open_token(key, seal_token(key, make_token())));
        EXPECT_FALSE(
            open_token(derive_token_key(client_secret, identity), seal_token(key, make_token())));
    }
}

TEST(sealed_token, sealed_value_shows_neither_token_nor_secret) {
    const auto token = make_token();
    const auto sealed = seal_token(derive_token_key(client_secret, identity), token);
    EXPECT_EQ(sealed.find(token.access_token), std::string::npos);
    // Not even a part of it: a JWT's header alone would say what it is.
    EXPECT_EQ(sealed.find(token.access_token.substr(0, 8)), std::string::npos);
    EXPECT_EQ(sealed.find(client_secret), std::string::npos);
}

TEST(sealed_token, another_secret_or_identity_cannot_open_it) {
    const auto sealed = seal_token(derive_token_key(client_secret, identity), make_token());
    EXPECT_FALSE(open_token(derive_token_key(client_secret + "x", identity), sealed));
    EXPECT_FALSE(open_token(derive_token_key("", identity), sealed));
    EXPECT_FALSE(open_token(derive_token_key(client_secret, identity + " "), sealed));
    EXPECT_FALSE(open_token(derive_token_key(client_secret, ""), sealed));
}

TEST(sealed_token, two_seals_of_one_token_differ) {
    const auto key = derive_token_key(client_secret, identity);
    const auto a = seal_token(key, make_token());
    const auto b = seal_token(key, make_token());
    EXPECT_NE(a, b);
    EXPECT_NE(a.substr(1, 12), b.substr(1, 12)); // the nonce
    EXPECT_TRUE(open_token(key, a));
    EXPECT_TRUE(open_token(key, b));
}

TEST(sealed_token, every_single_bit_flip_fails_to_open) {
    const auto key = derive_token_key(client_secret, identity);
    const auto sealed = seal_token(key, make_token());
    ASSERT_TRUE(open_token(key, sealed));
    for (std::size_t i = 0; i < sealed.size(); ++i) {
        for (int bit = 0; bit < 8; ++bit) {
            auto flipped = sealed;
            flipped[i] = static_cast<char>(flipped[i] ^ (1 << bit));
            EXPECT_FALSE(open_token(key, flipped)) << "byte " << i << " bit " << bit;
        }
    }
}

TEST(sealed_token, every_truncation_and_an_extension_fail_to_open) {
    const auto key = derive_token_key(client_secret, identity);
    const auto sealed = seal_token(key, make_token());
    for (std::size_t n = 0; n < sealed.size(); ++n) {
        EXPECT_FALSE(open_token(key, std::string_view(sealed).substr(0, n))) << "length " << n;
    }
    EXPECT_FALSE(open_token(key, sealed + '\0'));
}

TEST(sealed_token, other_version_bytes_fail_to_open) {
    const auto key = derive_token_key(client_secret, identity);
    const auto sealed = seal_token(key, make_token());
    EXPECT_EQ(sealed[0], '\x01');
    for (const char version : {'\x00', '\x02', '\xff'}) {
        auto other = sealed;
        other[0] = version;
        EXPECT_FALSE(open_token(key, other)) << int(version);
    }
}

// A failed tag check must not leave an error for this thread's next TLS call to misread.
TEST(sealed_token, failed_open_leaves_no_openssl_error_behind) {
    const auto key = derive_token_key(client_secret, identity);
    auto sealed = seal_token(key, make_token());
    sealed.back() = static_cast<char>(sealed.back() ^ 1);
    ERR_clear_error();
    EXPECT_FALSE(open_token(key, sealed));
    EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(sealed_token, values_written_by_another_program_fail_to_open) {
    const auto key = derive_token_key(client_secret, identity);
    EXPECT_FALSE(open_token(key, ""));
    EXPECT_FALSE(open_token(key, make_token().access_token));
    EXPECT_FALSE(open_token(key, "\x01" + std::string(200, 'A')));
}

TEST(sealed_token, token_over_the_bound_is_refused_without_showing_it) {
    const auto key = derive_token_key(client_secret, identity);
    const std::string text = "tok-" + std::string(sealed_token_max_bytes, 'z');
    try {
        seal_token(key, make_token(text));
        FAIL() << "sealed a token over the bound";
    } catch (const std::length_error& e) {
        EXPECT_EQ(std::string(e.what()).find("tok-"), std::string::npos);
    }
    EXPECT_TRUE(open_token(key, seal_token(key, make_token(text.substr(4)))));
}

// Another replica: its wall clock 3 s later, its steady clock unrelated to the writer's.
TEST(sealed_token, conversion_keeps_remaining_lifetimes_across_steady_clocks) {
    const steady_time steady_a = steady_time{} + 5h;
    const token_snapshot snapshot{"t", steady_a, steady_a + 3600s, steady_a + 3240s};
    const auto shared = to_shared_token(snapshot, {obtained, steady_a});
    expect_same(shared, make_token("t"));

    const steady_time steady_b = steady_time{} + 77h + 5ms;
    const auto on_b = to_token_snapshot(shared, {obtained + 3s, steady_b});
    EXPECT_EQ(on_b.access_token, "t");
    EXPECT_EQ(on_b.obtained_at, steady_b - 3s);
    EXPECT_EQ(on_b.expires_at, steady_b + 3597s);
    EXPECT_EQ(on_b.refresh_at, steady_b + 3237s);
}

} // namespace
} // namespace kore_gateway
