// Certificates made in memory for a run: a CA of its own and server identities it signs, so that
// tests and --demo speak real, verified TLS on loopback without files or system trust.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kore_gateway/net.hpp"

namespace kore_gateway {

// A certificate and its private key, both PEM.
struct pem_identity {
    std::string certificate_pem;
    std::string private_key_pem;
};

// A CA (certificate and key, the key to issue more certificates) and a server identity it signed
// for localhost and 127.0.0.1.
struct test_pki {
    std::string ca_pem;
    std::string ca_key_pem;
    pem_identity server;
};

// Each call makes a new, independent CA (EC P-256, SHA-256, valid from an hour ago for a day).
// Throws std::runtime_error when OpenSSL fails.
test_pki make_test_pki(std::string_view ca_common_name = "kore-gateway test CA");

// A server certificate signed by pki's CA whose subjectAltName lists names: IP addresses become
// IP entries, anything else a DNS entry. Throws std::runtime_error when OpenSSL fails.
pem_identity issue_server_certificate(const test_pki& pki, std::vector<std::string> names);

// A TLS 1.2+ server context presenting id.
std::shared_ptr<ssl::context> make_server_tls_context(const pem_identity& id);

} // namespace kore_gateway
