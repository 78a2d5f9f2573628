#include "kore_gateway/upstream/tls_context.hpp"

#include <stdexcept>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace kore_gateway {

namespace {

// OpenSSL's reason for the failure that just happened; never a success code.
error_code last_ssl_error() {
    const auto err = ::ERR_get_error();
    if (err == 0) {
        return net::error::invalid_argument;
    }
    return {static_cast<int>(err), net::error::get_ssl_category()};
}

// OpenSSL fills a certificate's extension cache (key identifiers, CA flag, ...) the first time
// a chain is verified against it. Two I/O threads verifying their first handshakes at once would
// then have one thread filling the trusted certificate's cache while the other reads it (a race
// ThreadSanitizer reports in OpenSSL 3.0). Filling it here, once, before the context is shared,
// leaves the trusted certificates read-only from then on. (The system bundle file is loaded here
// too; only a certificate OpenSSL later pulls in from the hashed CA directory is not covered.)
void fill_extension_caches(SSL_CTX* ctx) {
    STACK_OF(X509_OBJECT)* objects = ::X509_STORE_get0_objects(::SSL_CTX_get_cert_store(ctx));
    for (int i = 0; i < sk_X509_OBJECT_num(objects); ++i) {
        if (X509* cert = ::X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objects, i))) {
            ::X509_check_purpose(cert, -1, 0);
        }
    }
}

} // namespace

std::shared_ptr<ssl::context> make_client_tls_context(const std::string& ca_file,
                                                      const std::string& extra_ca_pem) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    if (::SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION) != 1) {
        throw std::runtime_error("cannot require TLS 1.2: " + last_ssl_error().message());
    }
    ctx->set_verify_mode(ssl::verify_peer);
    error_code ec;
    ctx->set_default_verify_paths(ec);
    if (ec) {
        throw std::runtime_error("cannot load the system CA certificates: " + ec.message());
    }
    if (!ca_file.empty()) {
        ctx->load_verify_file(ca_file, ec);
        if (ec) {
            throw std::runtime_error("cannot load CA file '" + ca_file + "': " + ec.message());
        }
    }
    if (!extra_ca_pem.empty()) {
        ctx->add_certificate_authority(net::buffer(extra_ca_pem), ec);
        if (ec) {
            throw std::runtime_error("cannot load the extra CA certificates: " + ec.message());
        }
    }
    fill_extension_caches(ctx->native_handle());
    return ctx;
}

error_code set_tls_peer(SSL* ssl, const std::string& host) {
    ::ERR_clear_error();
    error_code ec;
    net::ip::make_address(host, ec);
    if (!ec) {
        if (::X509_VERIFY_PARAM_set1_ip_asc(::SSL_get0_param(ssl), host.c_str()) != 1) {
            return last_ssl_error();
        }
        return {};
    }
    ::SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (::SSL_set_tlsext_host_name(ssl, host.c_str()) != 1 ||
        ::SSL_set1_host(ssl, host.c_str()) != 1) {
        return last_ssl_error();
    }
    return {};
}

} // namespace kore_gateway
