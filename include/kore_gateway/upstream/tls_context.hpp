// The TLS client settings of the upstream connections: one shared context (protocol floor and
// trusted CAs) and the per-connection settings that bind a handshake to the origin's host name.
#pragma once

#include <memory>
#include <string>

#include "kore_gateway/net.hpp"

namespace kore_gateway {

// TLS 1.2 or later, peer verification against the system's default CAs plus those of ca_file (a
// PEM bundle; empty: none) and extra_ca_pem (PEM text, used by demo mode). Throws
// std::runtime_error naming what could not be loaded.
std::shared_ptr<ssl::context> make_client_tls_context(const std::string& ca_file,
                                                      const std::string& extra_ca_pem = {});

// Prepares one connection before its handshake: SNI for a host name (never for an IP literal, as
// RFC 6066 requires) and the identity the peer certificate must prove, the IP address for a
// literal, else the DNS name. A certificate that does not match fails the handshake, before any
// request byte is written.
error_code set_tls_peer(SSL* ssl, const std::string& host);

} // namespace kore_gateway
