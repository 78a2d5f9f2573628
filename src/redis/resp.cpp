#include "kore_gateway/redis/resp.hpp"

#include <algorithm>
#include <new>

#include <hiredis/hiredis.h>
#include <hiredis/read.h>

namespace kore_gateway {

namespace {

// hiredis builds a reply depth first and tells each new item its parent: the root is allocated
// here and handed back by redisReaderGetReply; every other item is stored in its parent's array
// in place, and hiredis only keeps its address while that item's own children arrive (no sibling
// is appended meanwhile, so the address stays valid). The root owns the whole tree, which is why
// hiredis only ever frees the root.
void* place(const redisReadTask* task, resp_value value) noexcept {
    try {
        if (task->parent == nullptr) {
            return new resp_value(std::move(value));
        }
        auto* parent = static_cast<resp_value*>(task->parent->obj);
        auto& items = std::get<resp_value::array>(parent->data);
        if (task->idx < 0 || static_cast<std::size_t>(task->idx) != items.size()) {
            return nullptr; // not the depth-first order relied on above: fail the stream
        }
        items.push_back(std::move(value));
        return &items.back();
    } catch (const std::bad_alloc&) {
        return nullptr; // hiredis reports an out-of-memory error for the stream
    }
}

void* create_string(const redisReadTask* task, char* text, std::size_t length) noexcept {
    try {
        std::string bytes(text, length);
        switch (task->type) {
        case REDIS_REPLY_STATUS:
            return place(task, resp_value{resp_simple_string{std::move(bytes)}});
        case REDIS_REPLY_ERROR:
            return place(task, resp_value{resp_error{std::move(bytes)}});
        default:
            return place(task, resp_value{resp_bulk_string{std::move(bytes)}});
        }
    } catch (const std::bad_alloc&) {
        return nullptr;
    }
}

void* create_array(const redisReadTask* task, int elements) noexcept {
    try {
        resp_value::array items;
        // The count comes from the peer: reserve only a little, let a long array grow.
        items.reserve(static_cast<std::size_t>(std::clamp(elements, 0, 1024)));
        return place(task, resp_value{std::move(items)});
    } catch (const std::bad_alloc&) {
        return nullptr;
    }
}

void* create_integer(const redisReadTask* task, long long value) noexcept {
    return place(task, resp_value{static_cast<std::int64_t>(value)});
}

void* create_nil(const redisReadTask* task) noexcept {
    return place(task, resp_value{resp_nil{}});
}

void free_object(void* object) noexcept {
    delete static_cast<resp_value*>(object);
}

redisReplyObjectFunctions object_functions{create_string, create_array, create_integer, create_nil,
                                           free_object};

} // namespace

const std::string* resp_value::text() const {
    if (const auto* s = std::get_if<resp_simple_string>(&data)) {
        return &s->text;
    }
    if (const auto* e = std::get_if<resp_error>(&data)) {
        return &e->message;
    }
    if (const auto* b = std::get_if<resp_bulk_string>(&data)) {
        return &b->data;
    }
    return nullptr;
}

void resp_reader::reader_deleter::operator()(void* reader) const {
    ::redisReaderFree(static_cast<redisReader*>(reader));
}

resp_reader::resp_reader(std::size_t max_reply_bytes)
    : reader_(::redisReaderCreateWithFunctions(&object_functions)),
      max_reply_bytes_(max_reply_bytes) {
    if (!reader_) {
        throw std::bad_alloc();
    }
}

resp_reader::~resp_reader() = default;

bool resp_reader::feed(std::string_view bytes) {
    if (failed()) {
        return false;
    }
    auto* reader = static_cast<redisReader*>(reader_.get());
    if (::redisReaderFeed(reader, bytes.data(), bytes.size()) != REDIS_OK) {
        failure_ = reader->errstr[0] != '\0' ? reader->errstr : "cannot buffer the reply";
        return false;
    }
    pending_bytes_ += bytes.size();
    return true;
}

std::optional<resp_value> resp_reader::next() {
    if (failed()) {
        return std::nullopt;
    }
    auto* reader = static_cast<redisReader*>(reader_.get());
    void* raw = nullptr;
    if (::redisReaderGetReply(reader, &raw) != REDIS_OK) {
        failure_ = reader->errstr[0] != '\0' ? reader->errstr : "unreadable reply";
        return std::nullopt;
    }
    if (raw == nullptr) {
        if (pending_bytes_ > max_reply_bytes_) {
            failure_ = "reply larger than " + std::to_string(max_reply_bytes_) + " bytes";
        }
        return std::nullopt;
    }
    const std::unique_ptr<resp_value> reply(static_cast<resp_value*>(raw));
    // What is left unread belongs to the next reply.
    pending_bytes_ = reader->len - reader->pos;
    return std::move(*reply);
}

std::string format_command(std::span<const std::string_view> args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (const auto arg : args) {
        argv.push_back(arg.empty() ? "" : arg.data());
        lengths.push_back(arg.size());
    }
    char* encoded = nullptr;
    const int size = ::redisFormatCommandArgv(&encoded, static_cast<int>(args.size()), argv.data(),
                                              lengths.data());
    if (size < 0) {
        throw std::bad_alloc();
    }
    const std::unique_ptr<char, void (*)(char*)> owner(encoded, ::redisFreeCommand);
    return std::string(encoded, static_cast<std::size_t>(size));
}

std::string format_command(std::initializer_list<std::string_view> args) {
    return format_command(std::span<const std::string_view>(args.begin(), args.size()));
}

} // namespace kore_gateway
