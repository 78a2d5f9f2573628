#include "kore_gateway/redis/resp.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace kore_gateway {
namespace {

resp_value bulk(std::string data) {
    return resp_value{resp_bulk_string{std::move(data)}};
}
resp_value simple(std::string text) {
    return resp_value{resp_simple_string{std::move(text)}};
}
resp_value integer(std::int64_t n) {
    return resp_value{n};
}
resp_value array(resp_value::array items) {
    return resp_value{std::move(items)};
}
resp_value nil() {
    return resp_value{resp_nil{}};
}

// Feeds the pieces one after the other, taking out every reply that is complete after each.
std::vector<resp_value> read_pieces(resp_reader& reader, const std::vector<std::string>& pieces) {
    std::vector<resp_value> replies;
    for (const auto& piece : pieces) {
        reader.feed(piece);
        while (auto reply = reader.next()) {
            replies.push_back(std::move(*reply));
        }
    }
    return replies;
}

struct reply_case {
    const char* name;
    std::string wire;
    std::vector<resp_value> expected;
};

std::vector<reply_case> reply_cases() {
    return {
        {"simple string", "+OK\r\n", {simple("OK")}},
        {"error",
         "-WRONGTYPE Operation against a key\r\n",
         {resp_value{resp_error{"WRONGTYPE Operation against a key"}}}},
        {"integer", ":-42\r\n", {integer(-42)}},
        {"bulk string", "$5\r\nhello\r\n", {bulk("hello")}},
        {"binary bulk string",
         std::string("$4\r\na\0\r\n\r\n", 10),
         {bulk(std::string("a\0\r\n", 4))}},
        {"empty bulk string", "$0\r\n\r\n", {bulk("")}},
        {"nil bulk string", "$-1\r\n", {nil()}},
        {"nil array", "*-1\r\n", {nil()}},
        {"empty array", "*0\r\n", {array({})}},
        {"nested arrays",
         "*3\r\n:1\r\n*2\r\n$1\r\na\r\n*1\r\n$-1\r\n+done\r\n",
         {array({integer(1), array({bulk("a"), array({nil()})}), simple("done")})}},
        {"error inside an array (EXEC)",
         "*2\r\n+OK\r\n-ERR no\r\n",
         {array({simple("OK"), resp_value{resp_error{"ERR no"}}})}},
        {"pub/sub message",
         "*3\r\n$7\r\nmessage\r\n$13\r\nkore:purge:v1\r\n$3\r\nall\r\n",
         {array({bulk("message"), bulk("kore:purge:v1"), bulk("all")})}},
        {"subscribe confirmation",
         "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n",
         {array({bulk("subscribe"), bulk("ch"), integer(1)})}},
        {"several replies in one read", "+OK\r\n:1\r\n$-1\r\n", {simple("OK"), integer(1), nil()}},
    };
}

TEST(resp_reader, reads_each_reply_kind_whole) {
    for (const auto& c : reply_cases()) {
        resp_reader reader;
        EXPECT_EQ(read_pieces(reader, {c.wire}), c.expected) << c.name;
        EXPECT_FALSE(reader.failed()) << c.name;
    }
}

TEST(resp_reader, reads_each_reply_split_at_every_byte_boundary) {
    for (const auto& c : reply_cases()) {
        for (std::size_t split = 0; split <= c.wire.size(); ++split) {
            resp_reader reader;
            const auto replies =
                read_pieces(reader, {c.wire.substr(0, split), c.wire.substr(split)});
            EXPECT_EQ(replies, c.expected) << c.name << " split at " << split;
        }
    }
}

TEST(resp_reader, reads_each_reply_fed_one_byte_at_a_time) {
    for (const auto& c : reply_cases()) {
        resp_reader reader;
        std::vector<std::string> bytes;
        for (char ch : c.wire) {
            bytes.emplace_back(1, ch);
        }
        EXPECT_EQ(read_pieces(reader, bytes), c.expected) << c.name;
    }
}

TEST(resp_reader, has_no_reply_until_the_last_byte_arrives) {
    resp_reader reader;
    reader.feed("$5\r\nhell");
    EXPECT_FALSE(reader.next());
    EXPECT_FALSE(reader.failed());
    reader.feed("o\r\n");
    EXPECT_EQ(reader.next(), bulk("hello"));
}

TEST(resp_reader, reads_a_big_bulk_string_in_chunks) {
    const std::string body(3 * 1024 * 1024 + 7, 'x');
    const std::string wire = "$" + std::to_string(body.size()) + "\r\n" + body + "\r\n+OK\r\n";
    std::vector<std::string> chunks;
    for (std::size_t at = 0; at < wire.size(); at += 16 * 1024) {
        chunks.push_back(wire.substr(at, 16 * 1024));
    }
    resp_reader reader;
    EXPECT_EQ(read_pieces(reader, chunks), (std::vector<resp_value>{bulk(body), simple("OK")}));
}

TEST(resp_reader, fails_a_reply_larger_than_its_bound) {
    resp_reader reader(1024);
    const std::string wire = "$4096\r\n" + std::string(2048, 'x');
    EXPECT_TRUE(reader.feed(wire));
    EXPECT_FALSE(reader.next());
    EXPECT_TRUE(reader.failed());
    EXPECT_NE(reader.failure().find("larger than 1024"), std::string::npos) << reader.failure();
    EXPECT_FALSE(reader.feed("x"));
}

TEST(resp_reader, bounds_a_long_array_of_small_items_too) {
    resp_reader reader(1024);
    std::string wire = "*100000\r\n";
    for (int i = 0; i < 400; ++i) {
        wire += ":1\r\n";
    }
    reader.feed(wire);
    EXPECT_FALSE(reader.next());
    EXPECT_TRUE(reader.failed());
}

TEST(resp_reader, many_replies_may_exceed_the_bound_together) {
    resp_reader reader(64);
    std::string wire;
    for (int i = 0; i < 100; ++i) {
        wire += "+OK\r\n";
    }
    EXPECT_EQ(read_pieces(reader, {wire}).size(), 100u);
    EXPECT_FALSE(reader.failed());
}

TEST(resp_reader, reports_garbage_as_a_protocol_error_for_good) {
    for (const std::string garbage :
         {"HTTP/1.1 200 OK\r\n", "?what\r\n", "$abc\r\n", "*-5\r\n", ":12x\r\n", "$-2\r\n",
          "*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n"}) {
        resp_reader reader;
        reader.feed(garbage);
        EXPECT_FALSE(reader.next()) << garbage;
        EXPECT_TRUE(reader.failed()) << garbage;
        EXPECT_FALSE(reader.failure().empty()) << garbage;
        EXPECT_FALSE(reader.feed("+OK\r\n")) << garbage;
        EXPECT_FALSE(reader.next()) << garbage;
    }
}

TEST(resp_reader, keeps_the_replies_before_garbage) {
    resp_reader reader;
    reader.feed("+OK\r\n:7\r\n!garbage\r\n");
    EXPECT_EQ(reader.next(), simple("OK"));
    EXPECT_EQ(reader.next(), integer(7));
    EXPECT_FALSE(reader.next());
    EXPECT_TRUE(reader.failed());
}

TEST(resp_value, exposes_text_integer_and_elements_by_kind) {
    EXPECT_EQ(*simple("OK").text(), "OK");
    EXPECT_EQ(*bulk("b").text(), "b");
    EXPECT_EQ(*resp_value{resp_error{"ERR x"}}.text(), "ERR x");
    EXPECT_EQ(integer(3).text(), nullptr);
    EXPECT_EQ(*integer(3).integer(), 3);
    EXPECT_EQ(bulk("3").integer(), nullptr);
    EXPECT_EQ(array({nil()}).elements()->size(), 1u);
    EXPECT_TRUE(nil().is_nil());
    EXPECT_TRUE(resp_value{resp_error{"ERR x"}}.is_error());
    EXPECT_FALSE(simple("ERR").is_error());
}

TEST(format_command, encodes_an_array_of_bulk_strings) {
    EXPECT_EQ(format_command({"SET", "k", "v"}), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
    EXPECT_EQ(format_command({"GET", ""}), "*2\r\n$3\r\nGET\r\n$0\r\n\r\n");
}

TEST(format_command, is_binary_safe) {
    const std::string value("a\0b\r\n%s", 8);
    const std::vector<std::string_view> args{"SET", "k", value};
    EXPECT_EQ(format_command(args), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$8\r\n" + value + "\r\n");
}

TEST(format_command, round_trips_through_the_reader_as_an_array) {
    const std::string value("\0\xff", 2);
    resp_reader reader;
    reader.feed(format_command({"PUBLISH", "ch", value}));
    EXPECT_EQ(reader.next(), array({bulk("PUBLISH"), bulk("ch"), bulk(value)}));
}

} // namespace
} // namespace kore_gateway
