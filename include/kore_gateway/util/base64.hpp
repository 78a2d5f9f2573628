// Base64 (RFC 4648 section 4, padded: HTTP Basic credentials) and base64url (section 5,
// unpadded: JWS compact serialisation, JWK members), with strict decoding so that one byte
// string has exactly one accepted spelling.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kore_gateway {

// Padded base64 of bytes.
std::string base64_encode(std::string_view bytes);

// nullopt unless text is padded base64: a multiple of 4 characters of the standard alphabet,
// at most two '=' and only at the end, and zero bits where the last character has unused bits.
// No whitespace is skipped.
std::optional<std::string> base64_decode(std::string_view text);

// Unpadded base64url of bytes ('-' and '_' for '+' and '/').
std::string base64url_encode(std::string_view bytes);

// nullopt unless text is unpadded base64url: '=', '+', '/' and whitespace are refused, as are
// lengths of 4n+1 (no byte string encodes to them) and non-zero unused bits.
std::optional<std::string> base64url_decode(std::string_view text);

} // namespace kore_gateway
