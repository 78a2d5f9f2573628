// The shared token as Redis holds it: sealed with AES-256-GCM under a key that only holders of
// the credential set's client secret can derive, so Redis alone does not give the token away.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "kore_gateway/auth/token_source.hpp"
#include "kore_gateway/util/clock_reading.hpp"

namespace kore_gateway {

// A token as replicas share it. Its times are wall-clock instants, since every replica's steady
// clock has its own origin; to_token_snapshot and to_shared_token convert at the edge.
struct shared_token {
    std::string access_token;
    std::chrono::system_clock::time_point obtained_at;
    std::chrono::system_clock::time_point expires_at;
    std::chrono::system_clock::time_point refresh_at;
};

// The AES-256 key of one credential set, derived once; wiped when destroyed.
class token_key {
public:
    static constexpr std::size_t size = 32;

    token_key(const token_key&) = default;
    token_key& operator=(const token_key&) = default;
    ~token_key();

    const unsigned char* data() const { return bytes_.data(); }

private:
    friend token_key derive_token_key(std::string_view client_secret, std::string_view identity);
    token_key() = default;

    std::array<unsigned char, size> bytes_{};
};

// HKDF-SHA256 of client_secret, salted with identity and labelled "kore-gateway token v1".
// identity names the credential set (token URL, client id, scope, audience, resource, built by
// the caller unambiguously, e.g. as a JSON array), so that two sets sharing a secret, or one set
// whose scope changed, never open each other's token. Throws std::runtime_error (naming no
// secret) only if OpenSSL fails.
token_key derive_token_key(std::string_view client_secret, std::string_view identity);

// Longest access token seal_token takes; IdP tokens (JWTs included) are a few KiB.
inline constexpr std::size_t sealed_token_max_bytes = 64 * 1024;

// version byte | 12-byte random nonce | ciphertext | 16-byte tag, the version byte authenticated
// too. The plaintext is the three times (Unix ms) and the token. A fresh nonce each call: two
// seals of one token differ, so a caller comparing tokens in Redis compares the sealed value it
// read, never a new seal. Throws std::length_error for a token over sealed_token_max_bytes and
// std::runtime_error if OpenSSL fails; neither message contains the token.
std::string seal_token(const token_key& key, const shared_token& token);

// The token sealed, or nullopt for anything seal_token did not make with this key: another
// secret or identity, another version, a changed or truncated byte.
std::optional<shared_token> open_token(const token_key& key, std::string_view sealed);

// The conversions at the edge: a time point keeps its distance from now.
token_snapshot to_token_snapshot(const shared_token& token, const clock_reading& now);
shared_token to_shared_token(const token_snapshot& token, const clock_reading& now);

} // namespace kore_gateway
