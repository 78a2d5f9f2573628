#include "kore_gateway/http/trace_context.hpp"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace kore_gateway {
namespace {

// The ids of the W3C test suite (test/test.py).
constexpr std::string_view trace = "12345678901234567890123456789012";
constexpr std::string_view parent = "1234567890123456";
const std::string valid_traceparent = "00-12345678901234567890123456789012-1234567890123456-01";

bool is_lower_hex(std::string_view s) {
    return s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

struct accepted_traceparent_case {
    std::string value;
    std::uint8_t flags;
};

TEST(parse_traceparent, accepts_valid_values_and_reads_their_fields) {
    const accepted_traceparent_case cases[] = {
        {valid_traceparent, 0x01},
        {"00-12345678901234567890123456789012-1234567890123456-00", 0x00},
        // Flags are any two lower-case hex digits, unknown bits included.
        {"00-12345678901234567890123456789012-1234567890123456-ff", 0xff},
        {"00-12345678901234567890123456789012-1234567890123456-a9", 0xa9},
        // OWS around the value.
        {" 00-12345678901234567890123456789012-1234567890123456-01", 0x01},
        {"\t00-12345678901234567890123456789012-1234567890123456-01", 0x01},
        {"00-12345678901234567890123456789012-1234567890123456-01 ", 0x01},
        {"00-12345678901234567890123456789012-1234567890123456-01\t", 0x01},
        {"\t 00-12345678901234567890123456789012-1234567890123456-01 \t", 0x01},
        // A future version, alone or with more fields after a dash.
        {"cc-12345678901234567890123456789012-1234567890123456-01", 0x01},
        {"cc-12345678901234567890123456789012-1234567890123456-01-what-the-future-will-be-like",
         0x01},
        {"01-12345678901234567890123456789012-1234567890123456-01-what-ever", 0x01},
        {"fe-12345678901234567890123456789012-1234567890123456-03", 0x03},
    };
    for (const auto& [value, flags] : cases) {
        const auto parsed = parse_traceparent(value);
        ASSERT_TRUE(parsed.has_value()) << '"' << value << '"';
        EXPECT_EQ(parsed->trace_id, trace) << value;
        EXPECT_EQ(parsed->parent_id, parent) << value;
        EXPECT_EQ(parsed->flags, flags) << value;
    }
}

TEST(parse_traceparent, refuses_invalid_values) {
    const char* const cases[] = {
        "",
        "   ",
        // Version: ff is reserved; one, three or four digits; not hex; upper-case.
        "ff-12345678901234567890123456789012-1234567890123456-01",
        "0-12345678901234567890123456789012-1234567890123456-01",
        "000-12345678901234567890123456789012-1234567890123456-01",
        "0000-12345678901234567890123456789012-1234567890123456-01",
        ".0-12345678901234567890123456789012-1234567890123456-01",
        "0.-12345678901234567890123456789012-1234567890123456-01",
        "0A-12345678901234567890123456789012-1234567890123456-01",
        "CC-12345678901234567890123456789012-1234567890123456-01",
        // Version 00 with anything after the flags.
        "00-12345678901234567890123456789012-1234567890123456-01.",
        "00-12345678901234567890123456789012-1234567890123456-01-",
        "00-12345678901234567890123456789012-1234567890123456-01-what-the-future-will-be-like",
        // A future version whose extra part does not start with a dash.
        "cc-12345678901234567890123456789012-1234567890123456-01.what-the-future-will-be-like",
        // Trace id: all zero, not hex, upper-case, one digit too many or too few.
        "00-00000000000000000000000000000000-1234567890123456-01",
        "00-.2345678901234567890123456789012-1234567890123456-01",
        "00-1234567890123456789012345678901.-1234567890123456-01",
        "00-1234567890ABCDEF1234567890123456-1234567890123456-01",
        "00-123456789012345678901234567890123-1234567890123456-01",
        "00-1234567890123456789012345678901-1234567890123456-01",
        // Parent id: all zero, not hex, upper-case, one digit too many or too few.
        "00-12345678901234567890123456789012-0000000000000000-01",
        "00-12345678901234567890123456789012-.234567890123456-01",
        "00-12345678901234567890123456789012-123456789012345.-01",
        "00-12345678901234567890123456789012-1234567890ABCDEF-01",
        "00-12345678901234567890123456789012-12345678901234567-01",
        "00-12345678901234567890123456789012-123456789012345-01",
        // Flags: not hex, upper-case, three digits, one digit.
        "00-12345678901234567890123456789012-1234567890123456-.0",
        "00-12345678901234567890123456789012-1234567890123456-0.",
        "00-12345678901234567890123456789012-1234567890123456-0A",
        "00-12345678901234567890123456789012-1234567890123456-001",
        "00-12345678901234567890123456789012-1234567890123456-1",
        // Wrong separators, and whitespace other than OWS.
        "00_12345678901234567890123456789012-1234567890123456-01",
        "00-12345678901234567890123456789012_1234567890123456-01",
        "00-12345678901234567890123456789012-1234567890123456_01",
        "00-12345678901234567890123456789012-1234567890123456-01\r\n",
        "\n00-12345678901234567890123456789012-1234567890123456-01",
        // Two values joined, as a proxy folding duplicate fields would send them.
        ("00-12345678901234567890123456789011-1234567890123456-01,"
         "00-12345678901234567890123456789012-1234567890123456-01"),
    };
    for (const char* value : cases) {
        EXPECT_FALSE(parse_traceparent(value).has_value()) << '"' << value << '"';
    }
}

TEST(format_traceparent, writes_version_00_with_two_lower_case_flag_digits) {
    EXPECT_EQ(format_traceparent(trace, parent, 0x01), valid_traceparent);
    EXPECT_EQ(format_traceparent(trace, parent, 0x00),
              "00-12345678901234567890123456789012-1234567890123456-00");
    EXPECT_EQ(format_traceparent(trace, parent, 0xab),
              "00-12345678901234567890123456789012-1234567890123456-ab");
    const auto round_trip = parse_traceparent(format_traceparent(trace, parent, 0x7f));
    ASSERT_TRUE(round_trip.has_value());
    EXPECT_EQ(round_trip->flags, 0x7f);
}

TEST(trace_ids, new_ids_are_lower_case_hex_of_the_right_length_and_differ) {
    std::set<std::string> traces;
    std::set<std::string> spans;
    for (int i = 0; i < 100; ++i) {
        const auto t = new_trace_id();
        const auto s = new_span_id();
        EXPECT_EQ(t.size(), 32U);
        EXPECT_EQ(s.size(), 16U);
        EXPECT_TRUE(is_lower_hex(t)) << t;
        EXPECT_TRUE(is_lower_hex(s)) << s;
        traces.insert(t);
        spans.insert(s);
        // A header made of them is one a peer accepts.
        EXPECT_TRUE(parse_traceparent(format_traceparent(t, s, 0)).has_value());
    }
    EXPECT_EQ(traces.size(), 100U);
    EXPECT_EQ(spans.size(), 100U);
}

TEST(continue_trace, a_valid_traceparent_keeps_trace_id_and_flags_with_a_new_span) {
    const auto out = continue_trace(valid_traceparent, "foo=1,bar=2");
    const auto header = upstream_traceparent(out);
    const auto sent = parse_traceparent(header);
    ASSERT_TRUE(sent.has_value()) << header;
    EXPECT_EQ(header.substr(0, 3), "00-");
    EXPECT_EQ(sent->trace_id, trace);
    EXPECT_NE(sent->parent_id, parent);
    EXPECT_EQ(sent->flags, 0x01);
    EXPECT_EQ(out.tracestate, "foo=1,bar=2");
    EXPECT_EQ(out.trace_id, trace);
}

TEST(continue_trace, each_request_gets_its_own_span) {
    const auto trace_of_request = continue_trace(valid_traceparent, "");
    EXPECT_NE(upstream_traceparent(trace_of_request), upstream_traceparent(trace_of_request));
}

TEST(continue_trace, a_future_version_is_continued_as_version_00) {
    const auto out = continue_trace(
        "cc-12345678901234567890123456789012-1234567890123456-03-what-the-future-will-be-like",
        "foo=1");
    const auto header = upstream_traceparent(out);
    EXPECT_EQ(header.substr(0, 36), "00-12345678901234567890123456789012-");
    EXPECT_EQ(header.substr(52), "-03");
    EXPECT_EQ(out.tracestate, "foo=1");
    EXPECT_EQ(out.trace_id, trace);
}

TEST(continue_trace, an_invalid_or_missing_traceparent_starts_a_trace_and_drops_tracestate) {
    for (const char* incoming : {"", "ff-12345678901234567890123456789012-1234567890123456-01",
                                 "00-00000000000000000000000000000000-1234567890123456-01",
                                 "00-12345678901234567890123456789012-1234567890123456-01-extra"}) {
        const auto out = continue_trace(incoming, "foo=1");
        const auto header = upstream_traceparent(out);
        const auto sent = parse_traceparent(header);
        ASSERT_TRUE(sent.has_value()) << header;
        EXPECT_EQ(header.substr(0, 3), "00-");
        EXPECT_NE(sent->trace_id, trace) << incoming;
        EXPECT_EQ(sent->flags, 0x00) << incoming;
        EXPECT_EQ(out.trace_id, sent->trace_id) << incoming;
        EXPECT_EQ(out.tracestate, "") << incoming;
    }
}

TEST(continue_trace, a_started_trace_takes_the_fresh_id_given_and_a_continued_one_ignores_it) {
    const std::string fresh = "4bf92f3577b34da6a3ce929d0e0e4736";
    EXPECT_EQ(continue_trace("", "", fresh).trace_id, fresh);
    EXPECT_EQ(continue_trace("00-zz", "", fresh).trace_id, fresh);
    EXPECT_EQ(continue_trace(valid_traceparent, "", fresh).trace_id, trace)
        << "a valid incoming trace lost";
    const auto drawn = continue_trace("", "").trace_id;
    EXPECT_TRUE(parse_traceparent(format_traceparent(drawn, "00f067aa0ba902b7", 0))) << drawn;
}

TEST(continue_trace, an_empty_or_blank_tracestate_is_not_sent) {
    EXPECT_EQ(continue_trace(valid_traceparent, "").tracestate, "");
    EXPECT_EQ(continue_trace(valid_traceparent, " \t ").tracestate, "");
}

TEST(continue_trace, tracestate_goes_on_as_received_apart_from_surrounding_ows) {
    EXPECT_EQ(continue_trace(valid_traceparent, "foo=1 \t , \t bar=2").tracestate,
              "foo=1 \t , \t bar=2");
    EXPECT_EQ(continue_trace(valid_traceparent, "\t foo=1 \t").tracestate, "foo=1");
}

} // namespace
} // namespace kore_gateway
