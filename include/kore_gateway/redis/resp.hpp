// The sans-io RESP2 core of the Redis client: reply values, an incremental reply reader fed with
// the bytes a connection received, and the command encoder. hiredis does the parsing and the
// encoding; nothing here does I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace kore_gateway {

struct resp_nil {
    bool operator==(const resp_nil&) const = default;
};
struct resp_simple_string {
    std::string text;
    bool operator==(const resp_simple_string&) const = default;
};
// An error reply ("-ERR ...", "-WRONGTYPE ..."): an answer from Redis, not a transport failure.
struct resp_error {
    std::string message;
    bool operator==(const resp_error&) const = default;
};
struct resp_bulk_string {
    std::string data; // binary-safe
    bool operator==(const resp_bulk_string&) const = default;
};

// One RESP2 reply. A nil bulk string and a nil array are both resp_nil.
struct resp_value {
    using array = std::vector<resp_value>;
    std::variant<resp_nil, resp_simple_string, resp_error, std::int64_t, resp_bulk_string, array>
        data;

    bool is_nil() const { return std::holds_alternative<resp_nil>(data); }
    bool is_error() const { return std::holds_alternative<resp_error>(data); }
    // The text of a simple string, an error or a bulk string; nullptr for the other kinds.
    const std::string* text() const;
    const std::int64_t* integer() const { return std::get_if<std::int64_t>(&data); }
    const array* elements() const { return std::get_if<array>(&data); }

    bool operator==(const resp_value&) const = default;
};

// Incremental RESP2 reader over hiredis's redisReader: feed it bytes as they arrive, take the
// complete replies out. A stream that is not RESP, nests deeper than hiredis allows or holds a
// reply larger than max_reply_bytes fails for good: the connection must be dropped, since no
// later reply can be matched to its command. Never throws past construction.
class resp_reader {
public:
    explicit resp_reader(std::size_t max_reply_bytes = 64 * 1024 * 1024);
    ~resp_reader();
    resp_reader(const resp_reader&) = delete;
    resp_reader& operator=(const resp_reader&) = delete;

    // Appends received bytes; false once the stream has failed.
    bool feed(std::string_view bytes);
    // The next complete reply; nullopt when more bytes are needed or the stream has failed.
    std::optional<resp_value> next();

    bool failed() const { return !failure_.empty(); }
    // Why the stream failed (hiredis's protocol error or the size bound); empty while it has not.
    const std::string& failure() const { return failure_; }

private:
    struct reader_deleter {
        void operator()(void* reader) const;
    };

    std::unique_ptr<void, reader_deleter> reader_; // a redisReader
    std::size_t max_reply_bytes_;
    std::size_t pending_bytes_ = 0; // bytes of the reply being read, as far as fed
    std::string failure_;
};

// The RESP encoding of one command (an array of bulk strings), binary-safe.
std::string format_command(std::span<const std::string_view> args);
std::string format_command(std::initializer_list<std::string_view> args);

} // namespace kore_gateway
