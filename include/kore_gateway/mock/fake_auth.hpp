// The fake auth server: the OAuth2 client-credentials token endpoint the gateway gets its
// upstream tokens from (KOREAuth), and the identity provider of the demo's client JWTs (a JWKS
// and a demo user's token). Used by the tests and by --demo.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "kore_gateway/auth/jwk_set.hpp"
#include "kore_gateway/config/config.hpp"
#include "kore_gateway/mock/jwt_signer.hpp"
#include "kore_gateway/mock/mock_server.hpp"

namespace kore_gateway {

// What the demo user's tokens say (POST /demo/token): GATEWAY_JWT_AUDIENCE of --demo, the
// subject the access log names, and the scopes they grant.
inline constexpr std::string_view demo_audience = "kore-gateway";
inline constexpr std::string_view demo_subject = "demo-user";
inline constexpr std::string_view demo_scope = "deals:read deals:write catalog:read";
inline constexpr std::int64_t demo_token_lifetime_s = 3600;

// Thread-safe: the server's thread and the test's call it at once.
class fake_auth {
public:
    static constexpr std::string_view token_path = "/connect/token";
    static constexpr std::string_view jwks_path = "/.well-known/jwks.json";
    static constexpr std::string_view demo_token_path = "/demo/token";

    // What every token request is made to get wrong on purpose.
    enum class failure {
        none,
        server_error,         // 500 {"error":"server_error"}
        malformed_json,       // 200 with a truncated JSON body
        missing_access_token, // 200 with everything but access_token
        html_error_page,      // 502 text/html, as a proxy in front of the server would answer
    };

    fake_auth(std::string client_id, std::string client_secret, std::string scope,
              std::shared_ptr<ssl::context> tls = nullptr);

    mock_server& server() { return server_; }
    std::string base_url() const { return server_.base_url(); }
    // base_url() + token_path
    std::string token_url() const;

    // The fake's own answer, for a test handler that overrides only some requests, or for
    // another listener that serves some of the fake's paths.
    mock_reply handle(const recorded_request& req);

    // ---- The OAuth2 token endpoint: POST /connect/token with a form body.

    // Sent as it is, negative or absurd values included; 3600 unless set.
    void set_expires_in(std::int64_t seconds);
    void set_failure(failure what);
    // Every answer to a token request waits this long (on the server's timer).
    void set_delay(std::chrono::milliseconds delay);
    // How clients must authenticate (RFC 6749 section 2.3.1); body unless set. With basic, a
    // request needs "Authorization: Basic" with the constructor's id and secret, form-urlencoded
    // then base64-encoded: without it, or with other credentials, 401 invalid_client; when the
    // header does not decode, or the form carries a client_secret too, 400 invalid_request.
    void set_client_auth(client_auth_method how);
    // Every token request must carry audience=expected, else 400 invalid_request; empty (the
    // default): not checked.
    void set_expected_audience(std::string expected);

    // Issued by this fake and not revoked since.
    bool is_valid(std::string_view token) const;
    // When a token was issued and the expires_in it was given (the fake never expires tokens
    // itself; tests compare with this). nullopt for a token not issued here or revoked since.
    struct issue_record {
        std::chrono::steady_clock::time_point issued_at;
        std::int64_t expires_in;
    };
    std::optional<issue_record> issued(std::string_view token) const;
    void revoke_all();
    // POSTs to /connect/token, whatever their answer.
    std::size_t token_requests() const;
    // The percent-decoded fields of the last token request.
    std::map<std::string, std::string> last_form() const;
    // The Authorization header of the last token request as sent; empty when it had none.
    std::string last_authorization() const;

    // ---- The identity provider (CONTRACT.md section 17, "Demo"). GET /.well-known/jwks.json
    // answers the public JWK of the current signing key with Cache-Control: max-age=300.
    // POST /demo/token answers {"access_token", "token_type": "Bearer", "expires_in"} with a JWT
    // for demo_subject (iss issuer(), aud demo_audience, scope demo_scope, iat and nbf now, exp
    // demo_token_lifetime_s later); a page on any origin may call it (CORS "*", preflight
    // included). The signing key is RS256 until set_jwks_algorithm says otherwise.

    // The "iss" of the tokens: base_url().
    std::string issuer() const { return base_url(); }
    std::string jwks_url() const;
    std::string demo_token_url() const;
    // GETs of the JWKS, whatever their answer.
    std::size_t jwks_requests() const;
    // Replaces the signing key with a new one under a new kid: the JWKS then publishes the new
    // key only, so tokens signed before no longer verify.
    void rotate_signing_key();
    // Like rotate_signing_key, with a key for alg.
    void set_jwks_algorithm(jwt_alg alg);
    // false: the JWKS answers 503 until set back to true.
    void set_jwks_available(bool available);
    // claims as they are, signed with the current key (header alg, kid and typ JWT).
    std::string sign(const nlohmann::json& claims);

private:
    // Called with mutex_ held.
    mock_reply answer_token_request(const recorded_request& req);
    // The answer when the client does not authenticate as client_auth_ asks; nullopt when it
    // does. Called with mutex_ held.
    std::optional<mock_reply> refuse_client(const recorded_request& req,
                                            const std::map<std::string, std::string>& form) const;
    mock_reply answer_jwks_request(const recorded_request& req);
    mock_reply answer_demo_token_request(const recorded_request& req);
    // The current signing key, made on first use: generating an RSA key takes tens of
    // milliseconds, and most users of this fake never ask for one. Called with mutex_ held.
    const jwt_signer& signing_key();

    const std::string client_id_;
    const std::string client_secret_;
    const std::string scope_;
    mutable std::mutex mutex_;
    std::int64_t expires_in_ = 3600;
    failure failure_ = failure::none;
    std::chrono::milliseconds delay_{0};
    client_auth_method client_auth_ = client_auth_method::body;
    std::string expected_audience_;
    std::map<std::string, issue_record, std::less<>> tokens_;
    std::size_t token_requests_ = 0;
    std::map<std::string, std::string> last_form_;
    std::string last_authorization_;
    jwt_alg jwks_alg_ = jwt_alg::rs256;
    std::optional<jwt_signer> signer_; // nullopt until first used, and after a rotation
    unsigned keys_made_ = 0;           // numbers the kids
    bool jwks_available_ = true;
    std::size_t jwks_requests_ = 0;
    mock_server server_; // last: its thread may call handle() as soon as it exists
};

} // namespace kore_gateway
