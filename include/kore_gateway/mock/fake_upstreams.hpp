// The upstreams the gateway talks to, faked on mock_server with data shaped exactly like the API
// documentation: the OAuth2 token server, KORE's premium deal API (fake_kore.hpp, included here)
// and the Catalog API. Used by the integration tests and by --demo.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kore_gateway/config/config.hpp"
#include "kore_gateway/mock/fake_kore.hpp"
#include "kore_gateway/mock/mock_server.hpp"

namespace kore_gateway {

// Ids the Catalog fake knows, for tests and the demo (fake_kore.hpp has the KORE ones).
inline constexpr std::string_view sample_product_id = "0e809ad4-2179-4210-9b1d-fc7c3717a4ea";
inline constexpr std::string_view sample_offer_id = "fdb231fb-f671-4fc7-87a5-47a317e35847";

// The OAuth2 client-credentials token endpoint (KOREAuth): POST /connect/token with a form body.
// Thread-safe.
class fake_auth {
public:
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
    // base_url() + "/connect/token"
    std::string token_url() const;

    // The fake's own answer, for a test handler that overrides only some requests.
    mock_reply handle(const recorded_request& req);

    // Sent as it is, negative or absurd values included; 3600 unless set.
    void set_expires_in(std::int64_t seconds);
    void set_failure(failure what);
    // Every answer waits this long (on the server's timer).
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

private:
    // Called with mutex_ held.
    mock_reply answer_token_request(const recorded_request& req);
    // The answer when the client does not authenticate as client_auth_ asks; nullopt when it
    // does. Called with mutex_ held.
    std::optional<mock_reply> refuse_client(const recorded_request& req,
                                            const std::map<std::string, std::string>& form) const;

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
    mock_server server_; // last: its thread may call handle() as soon as it exists
};

// The Catalog API: products, offers of a product for a customer, and the price of an offer
// configuration.
class fake_catalog {
public:
    // An empty api_key is not checked; without auth no bearer token is checked.
    explicit fake_catalog(std::string api_key = {}, const fake_auth* auth = nullptr,
                          std::shared_ptr<ssl::context> tls = nullptr);

    mock_server& server() { return server_; }
    std::string base_url() const { return server_.base_url(); }
    mock_reply handle(const recorded_request& req) const;

private:
    const std::string api_key_;
    const fake_auth* auth_;
    mock_server server_;
};

} // namespace kore_gateway
