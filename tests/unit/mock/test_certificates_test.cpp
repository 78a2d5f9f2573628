#include "kore_gateway/mock/test_certificates.hpp"

#include <ctime>
#include <memory>

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace kore_gateway {
namespace {

using x509_ptr = std::unique_ptr<X509, decltype(&X509_free)>;

x509_ptr parse(const std::string& pem) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
    return x509_ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
}

// X509_verify_cert of cert against a store holding only ca; host is checked when not empty.
bool verifies(const std::string& ca_pem, const std::string& cert_pem, const char* host = "") {
    auto ca = parse(ca_pem);
    auto cert = parse(cert_pem);
    if (!ca || !cert) {
        return false;
    }
    std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(),
                                                                  &X509_STORE_free);
    X509_STORE_add_cert(store.get(), ca.get());
    std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                        &X509_STORE_CTX_free);
    X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr);
    X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
    if (*host) {
        X509_VERIFY_PARAM_set1_host(X509_STORE_CTX_get0_param(ctx.get()), host, 0);
    }
    return X509_verify_cert(ctx.get()) == 1;
}

TEST(test_certificates, server_certificate_verifies_against_its_ca) {
    auto pki = make_test_pki();
    EXPECT_TRUE(verifies(pki.ca_pem, pki.server.certificate_pem));
    EXPECT_TRUE(verifies(pki.ca_pem, pki.server.certificate_pem, "localhost"));
    EXPECT_FALSE(verifies(pki.ca_pem, pki.server.certificate_pem, "example.com"));
    auto cert = parse(pki.server.certificate_pem);
    EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 1);
    EXPECT_NE(pki.server.private_key_pem.find("PRIVATE KEY"), std::string::npos);
}

TEST(test_certificates, server_certificate_does_not_verify_against_another_ca) {
    auto one = make_test_pki();
    auto other = make_test_pki();
    EXPECT_NE(one.ca_pem, other.ca_pem);
    EXPECT_FALSE(verifies(other.ca_pem, one.server.certificate_pem));
    EXPECT_FALSE(verifies(one.ca_pem, other.server.certificate_pem));
}

TEST(test_certificates, ca_is_a_ca_and_the_server_is_not) {
    auto pki = make_test_pki("unit test CA");
    auto ca = parse(pki.ca_pem);
    auto server = parse(pki.server.certificate_pem);
    EXPECT_EQ(X509_check_ca(ca.get()), 1);
    EXPECT_EQ(X509_check_ca(server.get()), 0);
    EXPECT_EQ(X509_get_version(ca.get()), X509_VERSION_3);
    char cn[64] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(ca.get()), NID_commonName, cn, sizeof cn);
    EXPECT_STREQ(cn, "unit test CA");
    EXPECT_EQ(X509_get_signature_nid(server.get()), NID_ecdsa_with_SHA256);
}

TEST(test_certificates, valid_from_an_hour_ago_for_a_day) {
    auto cert = parse(make_test_pki().server.certificate_pem);
    std::time_t now = std::time(nullptr);
    std::time_t almost_an_hour_ago = now - 50 * 60;
    std::time_t in_almost_a_day = now + 22 * 3600;
    std::time_t in_two_days = now + 48 * 3600;
    EXPECT_LT(X509_cmp_time(X509_get0_notBefore(cert.get()), &almost_an_hour_ago), 0);
    EXPECT_GT(X509_cmp_time(X509_get0_notAfter(cert.get()), &in_almost_a_day), 0);
    EXPECT_LT(X509_cmp_time(X509_get0_notAfter(cert.get()), &in_two_days), 0);
}

TEST(test_certificates, issues_certificates_for_other_names) {
    auto pki = make_test_pki();
    auto wrong = issue_server_certificate(pki, {"wrong.example"});
    EXPECT_TRUE(verifies(pki.ca_pem, wrong.certificate_pem, "wrong.example"));
    EXPECT_FALSE(verifies(pki.ca_pem, wrong.certificate_pem, "localhost"));
    auto cert = parse(wrong.certificate_pem);
    EXPECT_NE(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 1);

    auto by_ip = issue_server_certificate(pki, {"10.1.2.3"});
    EXPECT_EQ(X509_check_ip_asc(parse(by_ip.certificate_pem).get(), "10.1.2.3", 0), 1);
}

TEST(test_certificates, server_context_loads_the_identity) {
    auto pki = make_test_pki();
    auto ctx = make_server_tls_context(pki.server);
    ASSERT_TRUE(ctx);
    EXPECT_EQ(SSL_CTX_check_private_key(ctx->native_handle()), 1);
    EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx->native_handle()), TLS1_2_VERSION);
    pem_identity mismatched{pki.server.certificate_pem, make_test_pki().server.private_key_pem};
    EXPECT_ANY_THROW(make_server_tls_context(mismatched));
}

} // namespace
} // namespace kore_gateway
