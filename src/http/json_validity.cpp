#include "kore_gateway/http/json_validity.hpp"

#include <array>
#include <bit>
#include <bitset>
#include <charconv>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace kore_gateway {
namespace {

// 2^1024 - 2^970, halfway between the largest double and 2^1024: strtod (round to nearest, ties
// to even, and the largest double is odd) turns every decimal at or above it into infinity, which
// nlohmann rejects as a number overflow.
constexpr std::string_view infinity_threshold_digits =
    "17976931348623158079372897140530341507993413271003782693617377898044496829276475094664901797"
    "75872070963302864166928879109465555478519404026306574886715058206819089020007083836762738548"
    "45817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711"
    "559699508093042880177904174497792";
static_assert(infinity_threshold_digits.size() == 309);

// Bytes a string's fast loop stops at: the closing quote, an escape, a control character (never
// allowed raw) and the first byte of a multi-byte UTF-8 sequence.
constexpr std::array<bool, 256> string_stop_bytes = [] {
    std::array<bool, 256> stops{};
    for (std::size_t b = 0; b < 0x20; ++b) {
        stops[b] = true;
    }
    for (std::size_t b = 0x80; b < 0x100; ++b) {
        stops[b] = true;
    }
    stops['"'] = true;
    stops['\\'] = true;
    return stops;
}();

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool is_whitespace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

#if defined(__SSE2__)
// Bit i set: p[i] is JSON whitespace, for the 16 bytes at p.
unsigned whitespace_mask(const char* p) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i spaces_or_newlines = _mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8(' ')),
                                                    _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\n')));
    const __m128i tabs_or_returns = _mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('\t')),
                                                 _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\r')));
    return static_cast<unsigned>(
        _mm_movemask_epi8(_mm_or_si128(spaces_or_newlines, tabs_or_returns)));
}

// Bit i set: p[i] is a decimal digit, for the 16 bytes at p. Signed comparisons: bytes 0x80-0xFF
// count as negative, below '0'.
unsigned digit_mask(const char* p) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i digits = _mm_and_si128(_mm_cmpgt_epi8(bytes, _mm_set1_epi8('0' - 1)),
                                         _mm_cmplt_epi8(bytes, _mm_set1_epi8('9' + 1)));
    return static_cast<unsigned>(_mm_movemask_epi8(digits));
}
#endif

// Whether strtod would give infinity for the number with these digits (the integer part as
// written, the fraction part without its '.') times 10^exponent.
bool rounds_to_infinity(std::string_view integer, std::string_view fraction,
                        std::int64_t exponent) {
    const auto threshold_magnitude = static_cast<std::int64_t>(infinity_threshold_digits.size());
    if (static_cast<std::int64_t>(integer.size()) + exponent < threshold_magnitude) {
        return false; // below 10^308, as nearly every number is: no digit needs a look
    }
    // The value is 0.d1d2d3... * 10^magnitude, where d1, the first non-zero digit, starts `head`
    // and `tail` continues it.
    std::string_view head = integer;
    std::string_view tail = fraction;
    std::int64_t magnitude = static_cast<std::int64_t>(integer.size()) + exponent;
    if (integer == "0") {
        const auto first_non_zero = fraction.find_first_not_of('0');
        if (first_non_zero == std::string_view::npos) {
            return false; // zero
        }
        head = fraction.substr(first_non_zero);
        tail = {};
        magnitude = exponent - static_cast<std::int64_t>(first_non_zero);
    }
    if (magnitude != threshold_magnitude) {
        return magnitude > threshold_magnitude;
    }
    // Same magnitude: the first digit that differs decides.
    std::size_t i = 0;
    for (const auto part : {head, tail}) {
        for (const char digit : part) {
            if (i == infinity_threshold_digits.size()) {
                return true; // the threshold followed by more digits
            }
            if (digit != infinity_threshold_digits[i]) {
                return digit > infinity_threshold_digits[i];
            }
            ++i;
        }
    }
    // A prefix of the threshold is below it (its last digit is not 0), the whole of it is at it.
    return i == infinity_threshold_digits.size();
}

// A single forward pass over the text; each scan_* function starts at the first byte of its
// token and leaves pos_ just past it, returning false at the first byte that makes the text
// invalid.
class json_validator {
public:
    explicit json_validator(std::string_view text) : text_(text) {}

    bool validate() {
        if (!skip_byte_order_mark()) {
            return false;
        }
        // Bit d: the container opened at depth d is an object (else an array).
        std::bitset<max_json_nesting_depth> open_objects;
        std::size_t depth = 0;
        skip_whitespace();
        while (true) {
            // A value starts here.
            if (at_end()) {
                return false;
            }
            const char first = text_[pos_];
            if (first == '[' || first == '{') {
                if (depth == max_json_nesting_depth) {
                    return false;
                }
                const bool object = first == '{';
                ++pos_;
                skip_whitespace();
                if (!at_end() && text_[pos_] == (object ? '}' : ']')) {
                    ++pos_; // empty: a complete value
                } else {
                    open_objects[depth++] = object;
                    if (object && !scan_member_name()) {
                        return false;
                    }
                    continue;
                }
            } else if (!scan_scalar()) {
                return false;
            }
            // A value is complete: close the containers it completes, up to a ',' that asks for
            // another value.
            while (true) {
                skip_whitespace();
                if (depth == 0) {
                    // nlohmann's lexer reads a NUL byte as the end of the input.
                    return at_end() || text_[pos_] == '\0';
                }
                if (at_end()) {
                    return false;
                }
                const bool object = open_objects[depth - 1];
                if (text_[pos_] == (object ? '}' : ']')) {
                    ++pos_;
                    --depth;
                    continue;
                }
                if (text_[pos_] != ',') {
                    return false;
                }
                ++pos_;
                skip_whitespace();
                if (object && !scan_member_name()) {
                    return false;
                }
                break;
            }
        }
    }

private:
    bool at_end() const { return pos_ == text_.size(); }
    unsigned char byte_at(std::size_t i) const { return static_cast<unsigned char>(text_[i]); }

    // nlohmann skips a BOM only as the very first bytes, and rejects a text that starts with
    // its first byte but not with all three.
    bool skip_byte_order_mark() {
        if (at_end() || byte_at(0) != 0xEF) {
            return true;
        }
        if (!text_.starts_with("\xEF\xBB\xBF")) {
            return false;
        }
        pos_ = 3;
        return true;
    }

    // Whitespace and digits come in runs (indentation, "12500.000000"): with SSE2 a run shorter
    // than 16 bytes is one step instead of a compare loop per byte, which took ~2,000 of the
    // ~6,200 instructions the check of a pretty-printed deal summary cost (bench/RESULTS.md).
    void skip_whitespace() {
        // Most calls meet no whitespace at all (a ':' right after a name, a ',' after a value),
        // and every whitespace byte is at most ' '.
        if (at_end() || byte_at(pos_) > ' ') {
            return;
        }
        // A single space, as a pretty-printer puts after each colon, is a step of its own.
        if (text_.size() - pos_ >= 2 && text_[pos_] == ' ' && byte_at(pos_ + 1) > ' ') {
            ++pos_;
            return;
        }
#if defined(__SSE2__)
        while (text_.size() - pos_ >= 16) {
            const unsigned others = ~whitespace_mask(text_.data() + pos_) & 0xFFFFU;
            if (others != 0) {
                pos_ += static_cast<std::size_t>(std::countr_zero(others));
                return;
            }
            pos_ += 16;
        }
#endif
        while (!at_end() && is_whitespace(text_[pos_])) {
            ++pos_;
        }
    }

    bool scan_scalar() {
        switch (text_[pos_]) {
        case '"':
            return scan_string();
        case 't':
            return scan_literal("true");
        case 'f':
            return scan_literal("false");
        case 'n':
            return scan_literal("null");
        default:
            return scan_number();
        }
    }

    // "name" : with the whitespace around the colon, leaving pos_ where the value starts.
    // Inlined, as scan_string is: a call per name and per string value had cost ~15 % of the
    // check of a deal summary in saved registers (bench/RESULTS.md, fifth pass).
    [[gnu::always_inline]] bool scan_member_name() {
        if (at_end() || text_[pos_] != '"' || !scan_string()) {
            return false;
        }
        skip_whitespace();
        if (at_end() || text_[pos_] != ':') {
            return false;
        }
        ++pos_;
        skip_whitespace();
        return true;
    }

    bool scan_literal(std::string_view word) {
        if (text_.substr(pos_, word.size()) != word) {
            return false;
        }
        pos_ += word.size();
        return true;
    }

    // Moves pos_ to the next string_stop_bytes byte, or to the end: 16 bytes per step with SSE2
    // (every x86-64 has it), which took a third off the whole check of a deal summary, keys and
    // values being most of it (bench/RESULTS.md, optimisation 16); byte by byte for the rest.
    void skip_plain_string_bytes() {
#if defined(__SSE2__)
        const __m128i quote = _mm_set1_epi8('"');
        const __m128i backslash = _mm_set1_epi8('\\');
        const __m128i space = _mm_set1_epi8(0x20);
        while (text_.size() - pos_ >= 16) {
            const __m128i bytes =
                _mm_loadu_si128(reinterpret_cast<const __m128i*>(text_.data() + pos_));
            // A signed comparison: bytes 0x80-0xFF count as negative, so "below 0x20" finds the
            // start of a UTF-8 sequence as well as a control character.
            const __m128i stops = _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(bytes, quote), _mm_cmpeq_epi8(bytes, backslash)),
                _mm_cmplt_epi8(bytes, space));
            const auto mask = static_cast<unsigned>(_mm_movemask_epi8(stops));
            if (mask != 0) {
                pos_ += static_cast<std::size_t>(std::countr_zero(mask));
                return;
            }
            pos_ += 16;
        }
#endif
        while (!at_end() && !string_stop_bytes[byte_at(pos_)]) {
            ++pos_;
        }
    }

    [[gnu::always_inline]] bool scan_string() {
        ++pos_; // the opening quote
        while (true) {
            skip_plain_string_bytes();
            if (at_end()) {
                return false;
            }
            const unsigned char b = byte_at(pos_);
            if (b == '"') {
                ++pos_;
                return true;
            }
            if (b == '\\') {
                if (!scan_escape()) {
                    return false;
                }
            } else if (b < 0x20 || !scan_utf8_sequence()) {
                return false;
            }
        }
    }

    bool scan_escape() {
        ++pos_; // the backslash
        if (at_end()) {
            return false;
        }
        switch (text_[pos_]) {
        case '"':
        case '\\':
        case '/':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
            ++pos_;
            return true;
        case 'u':
            break;
        default:
            return false;
        }
        ++pos_;
        const int unit = scan_hex4();
        if (unit >= 0xDC00 && unit <= 0xDFFF) {
            return false; // a low surrogate with no high one before it
        }
        if (unit >= 0xD800 && unit <= 0xDBFF) {
            // A high surrogate: the low one must follow at once, as another \u escape.
            if (text_.substr(pos_, 2) != "\\u") {
                return false;
            }
            pos_ += 2;
            const int low = scan_hex4();
            return low >= 0xDC00 && low <= 0xDFFF;
        }
        return unit >= 0;
    }

    // The 4 hex digits of a \u escape as a UTF-16 code unit; -1 if they are not there.
    int scan_hex4() {
        if (text_.size() - pos_ < 4) {
            return -1;
        }
        const char* begin = text_.data() + pos_;
        unsigned unit = 0;
        // Unsigned: from_chars takes no sign, and no "0x" in base 16.
        const auto [end, error] = std::from_chars(begin, begin + 4, unit, 16);
        if (error != std::errc{} || end != begin + 4) {
            return -1;
        }
        pos_ += 4;
        return static_cast<int>(unit);
    }

    // A multi-byte sequence as RFC 3629 section 4 allows it, which is what nlohmann checks: no
    // overlong forms (C0, C1, E0 80-9F, F0 80-8F), no surrogates (ED A0-BF), nothing above
    // U+10FFFF (F4 90-BF, F5-FF), no stray continuation byte (80-BF).
    bool scan_utf8_sequence() {
        const unsigned char lead = byte_at(pos_);
        std::size_t length = 0;
        unsigned char second_min = 0x80;
        unsigned char second_max = 0xBF;
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            second_min = lead == 0xE0 ? 0xA0 : 0x80;
            second_max = lead == 0xED ? 0x9F : 0xBF;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            second_min = lead == 0xF0 ? 0x90 : 0x80;
            second_max = lead == 0xF4 ? 0x8F : 0xBF;
        } else {
            return false;
        }
        if (text_.size() - pos_ < length) {
            return false;
        }
        const unsigned char second = byte_at(pos_ + 1);
        if (second < second_min || second > second_max) {
            return false;
        }
        for (std::size_t i = 2; i < length; ++i) {
            const unsigned char continuation = byte_at(pos_ + i);
            if (continuation < 0x80 || continuation > 0xBF) {
                return false;
            }
        }
        pos_ += length;
        return true;
    }

    // RFC 8259 section 6: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, and finite as a double.
    bool scan_number() {
        if (text_[pos_] == '-') {
            ++pos_;
        }
        const std::size_t integer_begin = pos_;
        if (at_end() || !is_digit(text_[pos_])) {
            return false;
        }
        if (text_[pos_] == '0') {
            ++pos_; // no leading zeros: a digit after this one starts another token
        } else {
            skip_digits();
        }
        const auto integer = text_.substr(integer_begin, pos_ - integer_begin);

        std::string_view fraction;
        if (!at_end() && text_[pos_] == '.') {
            const std::size_t fraction_begin = ++pos_;
            if (!skip_digits()) {
                return false;
            }
            fraction = text_.substr(fraction_begin, pos_ - fraction_begin);
        }

        std::int64_t exponent = 0;
        if (!at_end() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
            ++pos_;
            bool negative = false;
            if (!at_end() && (text_[pos_] == '+' || text_[pos_] == '-')) {
                negative = text_[pos_] == '-';
                ++pos_;
            }
            if (at_end() || !is_digit(text_[pos_])) {
                return false;
            }
            // Saturated far beyond any text length, so that the magnitude's sign stays right.
            constexpr std::int64_t saturation = std::int64_t{1} << 58;
            for (; !at_end() && is_digit(text_[pos_]); ++pos_) {
                if (exponent < saturation) {
                    exponent = exponent * 10 + (text_[pos_] - '0');
                }
            }
            if (negative) {
                exponent = -exponent;
            }
        }
        return !rounds_to_infinity(integer, fraction, exponent);
    }

    // Whether there was at least one.
    bool skip_digits() {
        const std::size_t begin = pos_;
#if defined(__SSE2__)
        while (text_.size() - pos_ >= 16) {
            const unsigned others = ~digit_mask(text_.data() + pos_) & 0xFFFFU;
            if (others != 0) {
                pos_ += static_cast<std::size_t>(std::countr_zero(others));
                return pos_ != begin;
            }
            pos_ += 16;
        }
#endif
        while (!at_end() && is_digit(text_[pos_])) {
            ++pos_;
        }
        return pos_ != begin;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

} // namespace

bool is_valid_json(std::string_view text) noexcept {
    return json_validator(text).validate();
}

} // namespace kore_gateway
