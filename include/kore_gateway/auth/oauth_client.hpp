// One OAuth2 client-credentials token request: builds it, sends it through an upstream_client and
// names why it failed. Retries, timing and sharing are the token_provider's business.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "kore_gateway/auth/token_source.hpp"
#include "kore_gateway/config/config.hpp"
#include "kore_gateway/upstream/upstream_client.hpp"

namespace kore_gateway {

// The outcome of one token request.
struct token_reply {
    token_errc error = token_errc::ok;
    // Safe to log: a status code or the kind of failure, never a response body or a secret.
    std::string description;
    std::string access_token;        // meaningful only when error == ok
    std::chrono::seconds lifetime{}; // meaningful only when error == ok
};

using token_reply_callback = std::function<void(token_reply)>;

// The POST to credentials.token_url (target = its path, or "/") carrying the form-encoded body,
// and an Authorization header when the client authenticates with HTTP Basic.
upstream_request make_token_request(const client_credentials& credentials);

// Turns the auth server's answer (or the transport failure) into a token or a named reason.
token_reply parse_token_reply(const upstream_result& result);

// Sends token requests for one credential set to its auth server.
class oauth_client {
public:
    oauth_client(std::shared_ptr<upstream_client> auth_server, client_credentials credentials);

    // Makes one token request; done is called exactly once, from any thread.
    void async_request_token(token_reply_callback done) const;

private:
    std::shared_ptr<upstream_client> auth_server_;
    client_credentials credentials_;
};

} // namespace kore_gateway
