#include "kore_gateway/cache/l2_value.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <boost/endian/conversion.hpp>

namespace kore_gateway {
namespace {

using namespace std::chrono_literals;
using wall_time = std::chrono::system_clock::time_point;

constexpr std::size_t max_body = 1 << 20;
// Whole milliseconds, as the value stores them, so that a round trip is exact.
const wall_time wall_now{std::chrono::milliseconds{1'700'000'000'123}};
const clock::time_point steady_now = clock::time_point{} + 5h;

cached_response make_entry(std::string body = std::string("{\"a\":\0\x01\xff}", 10)) {
    cached_response e;
    e.status = 200;
    e.content_type = "application/json; charset=utf-8";
    e.body = make_body(std::move(body));
    e.etag = "\"0123456789abcdef\"";
    e.stored_at = steady_now - 2s;
    e.expires_at = steady_now + 8s;
    e.stale_until = steady_now + 28s;
    e.tags = {"orders", "billing", "/v1/orders/{id}", {{"id", "42"}, {"sort", "date"}}};
    return e;
}

std::optional<cached_response> decode(std::string_view value, std::size_t max_body_bytes = max_body,
                                      wall_time wall = wall_now,
                                      clock::time_point steady = steady_now) {
    return decode_l2_value(value, max_body_bytes, {wall, steady});
}

void expect_same(const cached_response& got, const cached_response& want) {
    EXPECT_EQ(got.status, want.status);
    EXPECT_EQ(got.content_type, want.content_type);
    ASSERT_TRUE(got.body);
    EXPECT_EQ(*got.body, want.body ? *want.body : std::string());
    EXPECT_EQ(got.etag, want.etag);
    EXPECT_EQ(got.stored_at, want.stored_at);
    EXPECT_EQ(got.expires_at, want.expires_at);
    EXPECT_EQ(got.stale_until, want.stale_until);
    EXPECT_EQ(got.tags.route, want.tags.route);
    EXPECT_EQ(got.tags.upstream, want.tags.upstream);
    EXPECT_EQ(got.tags.upstream_path, want.tags.upstream_path);
    EXPECT_EQ(got.tags.params, want.tags.params);
}

TEST(l2_value, round_trip_keeps_every_field) {
    const auto entry = make_entry();
    const auto decoded = decode(encode_l2_value(entry, {wall_now, steady_now}));
    ASSERT_TRUE(decoded);
    expect_same(*decoded, entry);
}

TEST(l2_value, round_trip_keeps_binary_body_empty_etag_and_many_params) {
    auto entry = make_entry();
    std::string body(4096, '\0');
    for (std::size_t i = 0; i < body.size(); ++i) {
        body[i] = static_cast<char>(i * 7);
    }
    entry.body = make_body(body);
    entry.etag.clear();
    entry.tags.params.clear();
    for (int i = 0; i < 500; ++i) {
        entry.tags.params.emplace_back("p" + std::to_string(i), std::string(i % 5, '\0') + "v");
    }
    entry.tags.params.emplace_back("", "");
    const auto decoded = decode(encode_l2_value(entry, {wall_now, steady_now}));
    ASSERT_TRUE(decoded);
    expect_same(*decoded, entry);
}

TEST(l2_value, null_body_decodes_as_empty) {
    auto entry = make_entry();
    entry.body = nullptr;
    const auto decoded = decode(encode_l2_value(entry, {wall_now, steady_now}));
    ASSERT_TRUE(decoded);
    ASSERT_TRUE(decoded->body);
    EXPECT_EQ(*decoded->body, "");
}

TEST(l2_value, status_is_kept) {
    auto entry = make_entry();
    entry.status = 203;
    const auto decoded = decode(encode_l2_value(entry, {wall_now, steady_now}));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->status, 203u);
}

// Another replica: its wall clock 3 s later, its steady clock unrelated to the writer's.
TEST(l2_value, another_replica_gets_the_remaining_lifetimes_on_its_own_steady_clock) {
    const auto value = encode_l2_value(make_entry(), {wall_now, steady_now});
    const auto other_steady = clock::time_point{} + 123h + 456ms;
    const auto decoded = decode(value, max_body, wall_now + 3s, other_steady);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->stored_at, other_steady - 5s);
    EXPECT_EQ(decoded->expires_at, other_steady + 5s);
    EXPECT_EQ(decoded->stale_until, other_steady + 25s);
}

TEST(l2_value, sub_millisecond_wall_now_keeps_remaining_lifetime_to_the_millisecond) {
    const auto value = encode_l2_value(make_entry(), {wall_now + 400us, steady_now});
    const auto decoded = decode(value, max_body, wall_now + 900us, steady_now);
    ASSERT_TRUE(decoded);
    EXPECT_LE(decoded->expires_at - steady_now, 8s);
    EXPECT_GT(decoded->expires_at - steady_now, 8s - 2ms);
}

TEST(l2_value, expired_entry_inside_its_stale_window_decodes) {
    const auto value = encode_l2_value(make_entry(), {wall_now, steady_now});
    const auto decoded = decode(value, max_body, wall_now + 20s, steady_now);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->expires_at, steady_now - 12s);
    EXPECT_EQ(decoded->stale_until, steady_now + 8s);
}

TEST(l2_value, entry_past_its_stale_window_is_a_miss) {
    const auto value = encode_l2_value(make_entry(), {wall_now, steady_now});
    EXPECT_TRUE(decode(value, max_body, wall_now + 28s - 1ms, steady_now));
    EXPECT_FALSE(decode(value, max_body, wall_now + 28s, steady_now));
    EXPECT_FALSE(decode(value, max_body, wall_now + 1h, steady_now));
}

TEST(l2_value, body_bound_is_the_callers) {
    const auto entry = make_entry(std::string(1000, 'x'));
    const auto value = encode_l2_value(entry, {wall_now, steady_now});
    EXPECT_TRUE(decode(value, 1000));
    EXPECT_FALSE(decode(value, 999));
}

TEST(l2_value, redis_expiry_is_the_time_until_the_stale_window_ends) {
    auto entry = make_entry();
    EXPECT_EQ(l2_expiry(entry, steady_now), 28s);
    entry.stale_until = steady_now + 1500us;
    EXPECT_EQ(l2_expiry(entry, steady_now), 2ms);
    entry.stale_until = steady_now;
    EXPECT_EQ(l2_expiry(entry, steady_now), 1ms);
    entry.stale_until = steady_now - 1h;
    EXPECT_EQ(l2_expiry(entry, steady_now), 1ms);
}

// --- corrupt and foreign values: each is a miss ----------------------------------------------

constexpr std::size_t status_offset = 5;
constexpr std::size_t times_offset = 7;
constexpr std::size_t texts_offset = 31;

std::uint32_t load_u32(const std::string& v, std::size_t at) {
    return boost::endian::load_little_u32(reinterpret_cast<const unsigned char*>(v.data() + at));
}

void store_u32(std::string& v, std::size_t at, std::uint32_t n) {
    boost::endian::store_little_u32(reinterpret_cast<unsigned char*>(v.data() + at), n);
}

void store_s64(std::string& v, std::size_t at, std::int64_t n) {
    boost::endian::store_little_s64(reinterpret_cast<unsigned char*>(v.data() + at), n);
}

// The offsets of every u32 length and count in value, found by walking the documented layout:
// five texts, the param count, two texts per param, the body.
std::vector<std::size_t> length_fields(const std::string& value) {
    std::vector<std::size_t> at;
    std::size_t pos = texts_offset;
    const auto text = [&] {
        at.push_back(pos);
        pos += 4 + load_u32(value, pos);
    };
    for (int i = 0; i < 5; ++i) {
        text();
    }
    at.push_back(pos);
    const auto params = load_u32(value, pos);
    pos += 4;
    for (std::uint32_t i = 0; i < 2 * params; ++i) {
        text();
    }
    text();
    EXPECT_EQ(pos, value.size()); // the walk itself checks the layout it relies on
    return at;
}

TEST(l2_value, every_truncation_is_a_miss) {
    const auto value = encode_l2_value(make_entry(), {wall_now, steady_now});
    ASSERT_TRUE(decode(value));
    for (std::size_t n = 0; n < value.size(); ++n) {
        EXPECT_FALSE(decode(std::string_view(value).substr(0, n))) << "length " << n;
    }
}

TEST(l2_value, every_length_field_changed_is_a_miss) {
    const auto value = encode_l2_value(make_entry(), {wall_now, steady_now});
    const auto fields = length_fields(value);
    ASSERT_EQ(fields.size(), 5u + 1u + 2u * 2u + 1u);
    for (const auto at : fields) {
        const auto n = load_u32(value, at);
        for (const std::uint32_t bumped : {n + 1, n - 1, n + 0x10000u, 0xffffffffu}) {
            auto corrupt = value;
            store_u32(corrupt, at, bumped);
            EXPECT_FALSE(decode(corrupt)) << "field at " << at << " set to " << bumped;
        }
    }
}

struct corruption {
    const char* name;
    std::function<void(std::string&)> apply;
};

class l2_value_corrupt : public ::testing::TestWithParam<corruption> {};

TEST_P(l2_value_corrupt, is_a_miss) {
    auto value = encode_l2_value(make_entry(), {wall_now, steady_now});
    GetParam().apply(value);
    EXPECT_FALSE(decode(value));
}

INSTANTIATE_TEST_SUITE_P(
    table, l2_value_corrupt,
    ::testing::Values(
        corruption{"wrong_magic", [](std::string& v) { v[0] = 'X'; }},
        corruption{"lower_case_magic", [](std::string& v) { v[0] = 'k'; }},
        corruption{"version_0", [](std::string& v) { v[4] = 0; }},
        corruption{"version_2", [](std::string& v) { v[4] = 2; }},
        corruption{"version_255", [](std::string& v) { v[4] = static_cast<char>(255); }},
        corruption{"trailing_byte", [](std::string& v) { v.push_back('\0'); }},
        corruption{"status_0", [](std::string& v) { v[status_offset] = v[status_offset + 1] = 0; }},
        corruption{"status_600",
                   [](std::string& v) {
                       v[status_offset] = static_cast<char>(600 & 0xff);
                       v[status_offset + 1] = static_cast<char>(600 >> 8);
                   }},
        corruption{"stored_after_expiry",
                   [](std::string& v) { store_s64(v, times_offset, 1'800'000'000'000); }},
        corruption{"expiry_after_stale_window",
                   [](std::string& v) { store_s64(v, times_offset + 8, 1'800'000'000'000); }},
        corruption{"negative_time", [](std::string& v) { store_s64(v, times_offset, -1); }},
        corruption{"time_beyond_range",
                   [](std::string& v) {
                       store_s64(v, times_offset + 16, std::numeric_limits<std::int64_t>::max());
                   }},
        corruption{"huge_param_count",
                   [](std::string& v) { store_u32(v, length_fields(v)[5], 4096); }},
        corruption{"param_count_over_bound",
                   [](std::string& v) { store_u32(v, length_fields(v)[5], 4097); }},
        corruption{"a_redis_string_written_by_another_program",
                   [](std::string& v) { v = "{\"status\":200,\"body\":\"hello\"}"; }},
        corruption{"empty", [](std::string& v) { v.clear(); }}),
    [](const ::testing::TestParamInfo<corruption>& p) { return std::string(p.param.name); });

TEST(l2_value, random_bytes_are_a_miss) {
    std::mt19937 rng(14);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<std::size_t> length(0, 300);
    const auto valid = encode_l2_value(make_entry(), {wall_now, steady_now});
    for (int i = 0; i < 2000; ++i) {
        std::string value(length(rng), '\0');
        for (auto& c : value) {
            c = static_cast<char>(byte(rng));
        }
        // Half of them behind a valid prefix and times, to reach the length fields.
        if (i % 2 == 1) {
            value.insert(0, valid.substr(0, texts_offset));
        }
        EXPECT_FALSE(decode(value)) << "value " << i;
    }
}

} // namespace
} // namespace kore_gateway
