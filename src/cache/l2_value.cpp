#include "kore_gateway/cache/l2_value.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>

#include <boost/endian/conversion.hpp>

namespace kore_gateway {

namespace {

namespace endian = boost::endian;
using std::chrono::milliseconds;

// Layout, every integer little-endian:
//   magic "KGL2" | u8 version | u16 status | s64 stored, s64 expires, s64 stale_until (Unix ms)
//   | text content_type | text etag | text route | text upstream | text upstream_path
//   | u32 param count, then text name, text value per param | text body
// where text is a u32 length and that many bytes. Nothing may follow the body.
constexpr std::string_view magic{"KGL2", 4};
constexpr std::uint8_t format_version = 1;

// The smallest encoding of one param: two empty texts.
constexpr std::size_t min_param_bytes = 2 * sizeof(std::uint32_t);

class value_writer {
public:
    explicit value_writer(std::size_t capacity) { out_.reserve(capacity); }

    void raw(std::string_view bytes) { out_.append(bytes); }

    // An integer of the layout: its exact width, little-endian.
    template <class Int> void little(Int v) {
        unsigned char b[sizeof v];
        endian::endian_store<Int, sizeof v, endian::order::little>(b, v);
        out_.append(reinterpret_cast<const char*>(b), sizeof b);
    }

    void text(std::string_view s) {
        little(static_cast<std::uint32_t>(s.size()));
        raw(s);
    }

    std::string take() { return std::move(out_); }

private:
    std::string out_;
};

// Each read checks a length against the bytes left before anything is copied or allocated, and
// fails without consuming the rest once anything is wrong.
class value_reader {
public:
    explicit value_reader(std::string_view in) : rest_(in) {}

    bool raw(std::size_t n, std::string_view& out) {
        if (n > rest_.size()) {
            return false;
        }
        out = rest_.substr(0, n);
        rest_.remove_prefix(n);
        return true;
    }

    template <class Int> bool little(Int& v) {
        std::string_view b;
        if (!raw(sizeof v, b)) {
            return false;
        }
        v = endian::endian_load<Int, sizeof v, endian::order::little>(
            reinterpret_cast<const unsigned char*>(b.data()));
        return true;
    }

    bool unix_ms(std::int64_t& v) { return little(v) && v >= 0 && v <= max_unix_ms; }

    bool text(std::size_t max, std::string_view& out) {
        std::uint32_t n = 0;
        return little(n) && n <= max && raw(n, out);
    }

    bool text(std::size_t max, std::string& out) {
        std::string_view bytes;
        if (!text(max, bytes)) {
            return false;
        }
        out.assign(bytes);
        return true;
    }

    std::size_t left() const { return rest_.size(); }

private:
    std::string_view rest_;
};

std::size_t encoded_size(const cached_response& entry, std::string_view body) {
    std::size_t n = magic.size() + 1 + 2 + 3 * 8 + 6 * 4 + 4;
    n += entry.content_type.size() + entry.etag.size() + entry.tags.route.size() +
         entry.tags.upstream.size() + entry.tags.upstream_path.size() + body.size();
    for (const auto& [name, value] : entry.tags.params) {
        n += min_param_bytes + name.size() + value.size();
    }
    return n;
}

} // namespace

std::string encode_l2_value(const cached_response& entry, const clock_reading& now) {
    const std::string_view body = entry.body ? std::string_view(*entry.body) : std::string_view();
    value_writer w(encoded_size(entry, body));
    w.raw(magic);
    w.little(format_version);
    w.little(static_cast<std::uint16_t>(entry.status));
    w.little(now.to_unix_ms(entry.stored_at));
    w.little(now.to_unix_ms(entry.expires_at));
    w.little(now.to_unix_ms(entry.stale_until));
    w.text(entry.content_type);
    w.text(entry.etag);
    w.text(entry.tags.route);
    w.text(entry.tags.upstream);
    w.text(entry.tags.upstream_path);
    w.little(static_cast<std::uint32_t>(entry.tags.params.size()));
    for (const auto& [name, value] : entry.tags.params) {
        w.text(name);
        w.text(value);
    }
    w.text(body);
    return w.take();
}

std::optional<cached_response> decode_l2_value(std::string_view value, std::size_t max_body_bytes,
                                               const clock_reading& now) {
    value_reader r(value);
    std::string_view prefix;
    std::uint8_t version = 0;
    if (!r.raw(magic.size(), prefix) || prefix != magic || !r.little(version) ||
        version != format_version) {
        return std::nullopt;
    }
    std::uint16_t status = 0;
    std::int64_t stored = 0;
    std::int64_t expires = 0;
    std::int64_t stale_until = 0;
    if (!r.little(status) || status < 100 || status > 599 || !r.unix_ms(stored) ||
        !r.unix_ms(expires) || !r.unix_ms(stale_until) || stored > expires ||
        expires > stale_until) {
        return std::nullopt;
    }
    // Checked before the texts are copied: an entry past its stale window is a miss anyway.
    if (now.from_unix_ms(stale_until) <= now.steady) {
        return std::nullopt;
    }
    cached_response entry;
    entry.status = status;
    std::uint32_t param_count = 0;
    if (!r.text(l2_max_text_bytes, entry.content_type) || !r.text(l2_max_text_bytes, entry.etag) ||
        !r.text(l2_max_text_bytes, entry.tags.route) ||
        !r.text(l2_max_text_bytes, entry.tags.upstream) ||
        !r.text(l2_max_text_bytes, entry.tags.upstream_path) || !r.little(param_count) ||
        param_count > l2_max_params || param_count > r.left() / min_param_bytes) {
        return std::nullopt;
    }
    entry.tags.params.reserve(param_count);
    for (std::uint32_t i = 0; i < param_count; ++i) {
        std::string name;
        std::string param_value;
        if (!r.text(l2_max_text_bytes, name) || !r.text(l2_max_text_bytes, param_value)) {
            return std::nullopt;
        }
        entry.tags.params.emplace_back(std::move(name), std::move(param_value));
    }
    std::string_view body;
    if (!r.text(max_body_bytes, body) || r.left() != 0) {
        return std::nullopt;
    }
    entry.body = make_body(std::string(body));
    entry.stored_at = now.from_unix_ms(stored);
    entry.expires_at = now.from_unix_ms(expires);
    entry.stale_until = now.from_unix_ms(stale_until);
    return entry;
}

std::chrono::milliseconds l2_expiry(const cached_response& entry, clock::time_point steady_now) {
    return std::max(milliseconds{1},
                    std::chrono::ceil<milliseconds>(entry.stale_until - steady_now));
}

} // namespace kore_gateway
