#include "kore_gateway/auth/sealed_token.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <stdexcept>

#include <boost/endian/conversion.hpp>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "kore_gateway/util/openssl_ptr.hpp"

namespace kore_gateway {

namespace {

namespace endian = boost::endian;
using std::chrono::milliseconds;
using wall_time = std::chrono::system_clock::time_point;

constexpr std::string_view purpose_label = "kore-gateway token v1";
constexpr unsigned char format_version = 1;
constexpr std::size_t nonce_bytes = 12;
constexpr std::size_t tag_bytes = 16;
constexpr std::size_t times_bytes = 3 * sizeof(std::int64_t);
constexpr std::size_t overhead = 1 + nonce_bytes + tag_bytes;

const unsigned char* bytes_of(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

// OpenSSL's HKDF refuses a null key or salt pointer even with length 0, and an empty
// string_view may carry one.
const unsigned char* hkdf_bytes(std::string_view s) {
    static constexpr unsigned char none = 0;
    return s.data() == nullptr ? &none : bytes_of(s);
}

// Scratch that held a token in the clear is wiped before it is freed.
struct wiped_buffer {
    explicit wiped_buffer(std::size_t n) : bytes(n, '\0') {}
    ~wiped_buffer() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
    wiped_buffer(const wiped_buffer&) = delete;
    wiped_buffer& operator=(const wiped_buffer&) = delete;

    std::string bytes;
};

std::int64_t to_unix_ms(wall_time t) {
    return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
}

} // namespace

token_key::~token_key() {
    OPENSSL_cleanse(bytes_.data(), bytes_.size());
}

token_key derive_token_key(std::string_view client_secret, std::string_view identity) {
    openssl_ptr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr));
    token_key key;
    std::size_t length = key.bytes_.size();
    if (!ctx || EVP_PKEY_derive_init(ctx.get()) <= 0 ||
        EVP_PKEY_CTX_set_hkdf_md(ctx.get(), EVP_sha256()) <= 0 ||
        EVP_PKEY_CTX_set1_hkdf_key(ctx.get(), hkdf_bytes(client_secret),
                                   static_cast<int>(client_secret.size())) <= 0 ||
        EVP_PKEY_CTX_set1_hkdf_salt(ctx.get(), hkdf_bytes(identity),
                                    static_cast<int>(identity.size())) <= 0 ||
        EVP_PKEY_CTX_add1_hkdf_info(ctx.get(), bytes_of(purpose_label),
                                    static_cast<int>(purpose_label.size())) <= 0 ||
        EVP_PKEY_derive(ctx.get(), key.bytes_.data(), &length) <= 0 ||
        length != key.bytes_.size()) {
        ERR_clear_error();
        throw std::runtime_error("token key derivation (HKDF-SHA256) failed");
    }
    return key;
}

std::string seal_token(const token_key& key, const shared_token& token) {
    if (token.access_token.size() > sealed_token_max_bytes) {
        throw std::length_error("access token too long to seal");
    }
    wiped_buffer plain(times_bytes + token.access_token.size());
    auto* p = reinterpret_cast<unsigned char*>(plain.bytes.data());
    endian::store_little_s64(p, to_unix_ms(token.obtained_at));
    endian::store_little_s64(p + 8, to_unix_ms(token.expires_at));
    endian::store_little_s64(p + 16, to_unix_ms(token.refresh_at));
    plain.bytes.replace(times_bytes, token.access_token.size(), token.access_token);

    std::string sealed(overhead + plain.bytes.size(), '\0');
    auto* out = reinterpret_cast<unsigned char*>(sealed.data());
    out[0] = format_version;
    unsigned char* nonce = out + 1;
    unsigned char* cipher = nonce + nonce_bytes;
    unsigned char* tag = cipher + plain.bytes.size();
    const openssl_ptr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
    int n = 0;
    int final_n = 0;
    if (RAND_bytes(nonce, nonce_bytes) != 1 || !ctx ||
        EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), nonce) != 1 ||
        EVP_EncryptUpdate(ctx.get(), nullptr, &n, out, 1) != 1 ||
        EVP_EncryptUpdate(ctx.get(), cipher, &n, p, static_cast<int>(plain.bytes.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), cipher + n, &final_n) != 1 ||
        static_cast<std::size_t>(n + final_n) != plain.bytes.size() ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, tag_bytes, tag) != 1) {
        ERR_clear_error();
        throw std::runtime_error("sealing the token (AES-256-GCM) failed");
    }
    return sealed;
}

std::optional<shared_token> open_token(const token_key& key, std::string_view sealed) {
    if (sealed.size() < overhead + times_bytes ||
        sealed.size() > overhead + times_bytes + sealed_token_max_bytes ||
        static_cast<unsigned char>(sealed[0]) != format_version) {
        return std::nullopt;
    }
    const auto* in = bytes_of(sealed);
    const unsigned char* nonce = in + 1;
    const unsigned char* cipher = nonce + nonce_bytes;
    const std::size_t cipher_size = sealed.size() - overhead;
    // EVP_CTRL_GCM_SET_TAG takes a non-const pointer.
    std::array<unsigned char, tag_bytes> tag{};
    std::copy_n(cipher + cipher_size, tag_bytes, tag.begin());

    wiped_buffer plain(cipher_size);
    auto* p = reinterpret_cast<unsigned char*>(plain.bytes.data());
    const openssl_ptr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
    int n = 0;
    int final_n = 0;
    if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), nonce) != 1 ||
        EVP_DecryptUpdate(ctx.get(), nullptr, &n, in, 1) != 1 ||
        EVP_DecryptUpdate(ctx.get(), p, &n, cipher, static_cast<int>(cipher_size)) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, tag_bytes, tag.data()) != 1 ||
        EVP_DecryptFinal_ex(ctx.get(), p + n, &final_n) != 1 ||
        static_cast<std::size_t>(n + final_n) != cipher_size) {
        // A failed tag check is the expected outcome for a foreign value; it must not leave an
        // error behind for the next TLS call on this thread to misread.
        ERR_clear_error();
        return std::nullopt;
    }
    const std::int64_t times[] = {endian::load_little_s64(p), endian::load_little_s64(p + 8),
                                  endian::load_little_s64(p + 16)};
    for (const auto t : times) {
        if (t < 0 || t > max_unix_ms) {
            return std::nullopt;
        }
    }
    return shared_token{plain.bytes.substr(times_bytes), wall_time{milliseconds{times[0]}},
                        wall_time{milliseconds{times[1]}}, wall_time{milliseconds{times[2]}}};
}

token_snapshot to_token_snapshot(const shared_token& token, const clock_reading& now) {
    return token_snapshot{token.access_token, now.to_steady(token.obtained_at),
                          now.to_steady(token.expires_at), now.to_steady(token.refresh_at)};
}

shared_token to_shared_token(const token_snapshot& token, const clock_reading& now) {
    return shared_token{token.access_token, now.to_wall(token.obtained_at),
                        now.to_wall(token.expires_at), now.to_wall(token.refresh_at)};
}

} // namespace kore_gateway
