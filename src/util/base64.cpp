#include "kore_gateway/util/base64.hpp"

#include <array>
#include <cstdint>

#include <openssl/evp.h>

namespace kore_gateway {

namespace {

constexpr std::int8_t not_in_alphabet = -1;

// Character -> 6-bit value for one alphabet; not_in_alphabet elsewhere.
constexpr std::array<std::int8_t, 256> decoding_table(char c62, char c63) {
    std::array<std::int8_t, 256> table{};
    table.fill(not_in_alphabet);
    for (int i = 0; i < 26; ++i) {
        table['A' + i] = static_cast<std::int8_t>(i);
        table['a' + i] = static_cast<std::int8_t>(26 + i);
    }
    for (int i = 0; i < 10; ++i) {
        table['0' + i] = static_cast<std::int8_t>(52 + i);
    }
    table[static_cast<unsigned char>(c62)] = 62;
    table[static_cast<unsigned char>(c63)] = 63;
    return table;
}

constexpr auto standard_table = decoding_table('+', '/');
constexpr auto url_table = decoding_table('-', '_');

// Decodes unpadded text; OpenSSL's EVP_DecodeBlock is not used because it skips surrounding
// whitespace, knows only the standard alphabet and counts padding as decoded bytes.
std::optional<std::string> decode_unpadded(std::string_view text,
                                           const std::array<std::int8_t, 256>& table) {
    if (text.size() % 4 == 1) {
        return std::nullopt;
    }
    std::string out;
    out.reserve(text.size() / 4 * 3 + 2);
    std::uint32_t bits = 0;
    int bit_count = 0;
    for (const char ch : text) {
        const auto value = table[static_cast<unsigned char>(ch)];
        if (value == not_in_alphabet) {
            return std::nullopt;
        }
        bits = (bits << 6) | static_cast<std::uint32_t>(value);
        bit_count += 6;
        if (bit_count >= 8) {
            bit_count -= 8;
            out += static_cast<char>((bits >> bit_count) & 0xFF);
        }
    }
    // The unused low bits of the last character must be zero, or several spellings would decode
    // to the same bytes.
    if ((bits & ((1U << bit_count) - 1)) != 0) {
        return std::nullopt;
    }
    return out;
}

} // namespace

std::string base64_encode(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0'); // + the NUL EVP_EncodeBlock writes
    const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                       reinterpret_cast<const unsigned char*>(bytes.data()),
                                       static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(length));
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) {
        return std::nullopt;
    }
    const auto padding = text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0;
    return decode_unpadded(text.substr(0, text.size() - padding), standard_table);
}

std::string base64url_encode(std::string_view bytes) {
    auto out = base64_encode(bytes);
    while (!out.empty() && out.back() == '=') {
        out.pop_back();
    }
    for (char& c : out) {
        if (c == '+') {
            c = '-';
        } else if (c == '/') {
            c = '_';
        }
    }
    return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
    return decode_unpadded(text, url_table);
}

} // namespace kore_gateway
