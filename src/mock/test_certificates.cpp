#include "kore_gateway/mock/test_certificates.hpp"

#include <stdexcept>
#include <utility>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "kore_gateway/util/openssl_ptr.hpp"

namespace kore_gateway {
namespace {

void check_openssl(bool ok, const char* what) {
    if (!ok) {
        throw std::runtime_error(std::string("test certificates: ") + what + " failed");
    }
}

openssl_ptr<EVP_PKEY> make_key() {
    openssl_ptr<EVP_PKEY> key(EVP_EC_gen("P-256"));
    check_openssl(key != nullptr, "EC P-256 key generation");
    return key;
}

std::string read_bio(BIO* bio) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(size));
}

openssl_ptr<BIO> memory_bio() {
    openssl_ptr<BIO> bio(BIO_new(BIO_s_mem()));
    check_openssl(bio != nullptr, "BIO_new");
    return bio;
}

openssl_ptr<BIO> memory_bio(const std::string& pem) {
    openssl_ptr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    check_openssl(bio != nullptr, "BIO_new_mem_buf");
    return bio;
}

std::string to_pem(X509* cert) {
    auto bio = memory_bio();
    check_openssl(PEM_write_bio_X509(bio.get(), cert) == 1, "PEM_write_bio_X509");
    return read_bio(bio.get());
}

std::string to_pem(EVP_PKEY* key) {
    auto bio = memory_bio();
    check_openssl(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) ==
                      1,
                  "PEM_write_bio_PrivateKey");
    return read_bio(bio.get());
}

struct extension {
    int nid;
    std::string value;
};

// A v3 certificate for key named common_name; issuer == nullptr makes it self-signed.
openssl_ptr<X509> make_certificate(std::string_view common_name, EVP_PKEY* key, X509* issuer,
                                   EVP_PKEY* issuer_key, const std::vector<extension>& extensions) {
    openssl_ptr<X509> cert(X509_new());
    check_openssl(cert != nullptr, "X509_new");
    check_openssl(X509_set_version(cert.get(), X509_VERSION_3) == 1, "X509_set_version");

    // Random serials keep certificates of independent CAs from ever looking alike.
    openssl_ptr<BIGNUM> serial(BN_new());
    check_openssl(serial && BN_rand(serial.get(), 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1,
                  "BN_rand");
    check_openssl(BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) != nullptr,
                  "BN_to_ASN1_INTEGER");

    // Valid from an hour ago so that small clock differences never make it "not yet valid".
    check_openssl(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr, "notBefore");
    check_openssl(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600) != nullptr,
                  "notAfter");
    check_openssl(X509_set_pubkey(cert.get(), key) == 1, "X509_set_pubkey");

    X509_NAME* subject = X509_get_subject_name(cert.get());
    check_openssl(
        X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(common_name.data()),
                                   static_cast<int>(common_name.size()), -1, 0) == 1,
        "subject CN");
    check_openssl(
        X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : subject) == 1,
        "X509_set_issuer_name");

    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
    for (const auto& ext : extensions) {
        openssl_ptr<X509_EXTENSION> made(
            X509V3_EXT_conf_nid(nullptr, &ctx, ext.nid, ext.value.c_str()));
        check_openssl(made != nullptr, "X509V3_EXT_conf_nid");
        check_openssl(X509_add_ext(cert.get(), made.get(), -1) == 1, "X509_add_ext");
    }
    check_openssl(X509_sign(cert.get(), issuer_key, EVP_sha256()) > 0, "X509_sign");
    return cert;
}

std::string subject_alt_names(const std::vector<std::string>& names) {
    std::string san;
    for (const auto& name : names) {
        error_code ec;
        net::ip::make_address(name, ec);
        san += san.empty() ? "" : ",";
        san += (ec ? "DNS:" : "IP:") + name;
    }
    return san;
}

pem_identity issue(X509* ca, EVP_PKEY* ca_key, const std::vector<std::string>& names) {
    check_openssl(!names.empty(), "a server certificate without names");
    auto key = make_key();
    // The subject key identifier comes first: the authority key identifier of a self-signed
    // certificate is computed from it.
    auto cert = make_certificate(names.front(), key.get(), ca, ca_key,
                                 {{NID_basic_constraints, "critical,CA:FALSE"},
                                  {NID_key_usage, "critical,digitalSignature"},
                                  {NID_ext_key_usage, "serverAuth"},
                                  {NID_subject_key_identifier, "hash"},
                                  {NID_authority_key_identifier, "keyid:always"},
                                  {NID_subject_alt_name, subject_alt_names(names)}});
    return {to_pem(cert.get()), to_pem(key.get())};
}

} // namespace

test_pki make_test_pki(std::string_view ca_common_name) {
    auto ca_key = make_key();
    auto ca = make_certificate(ca_common_name, ca_key.get(), nullptr, ca_key.get(),
                               {{NID_basic_constraints, "critical,CA:TRUE"},
                                {NID_key_usage, "critical,keyCertSign,cRLSign"},
                                {NID_subject_key_identifier, "hash"},
                                {NID_authority_key_identifier, "keyid:always"}});
    test_pki pki{to_pem(ca.get()), to_pem(ca_key.get()), {}};
    pki.server = issue(ca.get(), ca_key.get(), {"localhost", "127.0.0.1"});
    return pki;
}

pem_identity issue_server_certificate(const test_pki& pki, std::vector<std::string> names) {
    auto cert_bio = memory_bio(pki.ca_pem);
    openssl_ptr<X509> ca(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
    check_openssl(ca != nullptr, "reading the CA certificate");
    auto key_bio = memory_bio(pki.ca_key_pem);
    openssl_ptr<EVP_PKEY> ca_key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
    check_openssl(ca_key != nullptr, "reading the CA key");
    return issue(ca.get(), ca_key.get(), names);
}

std::shared_ptr<ssl::context> make_server_tls_context(const pem_identity& id) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    check_openssl(SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION) == 1,
                  "SSL_CTX_set_min_proto_version");
    ctx->set_options(ssl::context::default_workarounds | ssl::context::single_dh_use);
    ctx->use_certificate_chain(net::buffer(id.certificate_pem));
    ctx->use_private_key(net::buffer(id.private_key_pem), ssl::context::pem);
    return ctx;
}

} // namespace kore_gateway
