#include "kore_gateway/mock/fake_auth.hpp"

#include <boost/beast/core/string.hpp>

#include "kore_gateway/mock/fake_http.hpp"
#include "kore_gateway/util/ascii.hpp"
#include "kore_gateway/util/base64.hpp"
#include "kore_gateway/util/ids.hpp"

namespace kore_gateway {
namespace {

struct client_id_and_secret {
    std::string id;
    std::string secret;
};

// RFC 6749 section 2.3.1: "Basic " base64(form_urlencode(id) ":" form_urlencode(secret)), the
// scheme in any case. nullopt when value is not that.
std::optional<client_id_and_secret> basic_credentials(std::string_view value) {
    constexpr std::string_view scheme = "basic ";
    if (!iequals_ascii(value.substr(0, scheme.size()), scheme)) {
        return std::nullopt;
    }
    const auto decoded = base64_decode(value.substr(scheme.size()));
    const auto colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon == std::string::npos) {
        return std::nullopt;
    }
    auto id = form_decode(std::string_view(*decoded).substr(0, colon));
    auto secret = form_decode(std::string_view(*decoded).substr(colon + 1));
    if (!id || !secret) {
        return std::nullopt;
    }
    return client_id_and_secret{std::move(*id), std::move(*secret)};
}

// Every answer of the demo token endpoint: a browser page on any origin calls it.
mock_reply with_cors(mock_reply reply) {
    reply.headers.emplace_back("Access-Control-Allow-Origin", "*");
    return reply;
}

std::int64_t unix_seconds_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace

fake_auth::fake_auth(std::string client_id, std::string client_secret, std::string scope,
                     std::shared_ptr<ssl::context> tls)
    : client_id_(std::move(client_id)), client_secret_(std::move(client_secret)),
      scope_(std::move(scope)),
      server_([this](const recorded_request& req) { return handle(req); }, std::move(tls)) {}

std::string fake_auth::token_url() const {
    return base_url() + std::string(token_path);
}

mock_reply fake_auth::handle(const recorded_request& req) {
    const auto path = req.path();
    if (path == jwks_path) {
        return answer_jwks_request(req);
    }
    if (path == demo_token_path) {
        return answer_demo_token_request(req);
    }
    if (path != token_path) {
        return json_reply(404, {{"error", "not_found"}});
    }
    if (req.method != "POST") {
        return method_not_allowed(json_reply(405, {{"error", "invalid_request"}}), "POST");
    }
    std::lock_guard lock(mutex_);
    ++token_requests_;
    auto reply = answer_token_request(req);
    reply.delay = delay_;
    return reply;
}

mock_reply fake_auth::answer_token_request(const recorded_request& req) {
    last_authorization_ = req.header("authorization");
    auto form = req.header("content-type").starts_with("application/x-www-form-urlencoded")
                    ? parse_form(req.body)
                    : std::nullopt;
    if (!form) {
        return json_reply(400, {{"error", "invalid_request"}});
    }
    last_form_ = *form;
    switch (failure_) {
    case failure::none:
        break;
    case failure::server_error:
        return json_reply(500, {{"error", "server_error"}});
    case failure::malformed_json: {
        auto reply = json_reply(200, {});
        reply.body = R"({"access_token":"eyJhbGciOiJSUzI1NiIs","expires_in":36)";
        return reply;
    }
    case failure::missing_access_token:
        return json_reply(
            200, {{"expires_in", expires_in_}, {"token_type", "Bearer"}, {"scope", scope_}});
    case failure::html_error_page: {
        auto reply = json_reply(502, {});
        reply.content_type = "text/html";
        reply.body = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
                     "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
                     "</body>\r\n</html>\r\n";
        return reply;
    }
    }
    const auto field = [&form](const std::string& name) { return form_field(*form, name); };
    if (field("grant_type") != "client_credentials") {
        return json_reply(400, {{"error", "unsupported_grant_type"}});
    }
    if (auto refused = refuse_client(req, *form)) {
        return *refused;
    }
    if (!expected_audience_.empty() && field("audience") != expected_audience_) {
        return json_reply(400, {{"error", "invalid_request"}});
    }
    // Like IdentityServer, a request without scope gets every scope the client is allowed.
    if (form->contains("scope") && field("scope") != scope_) {
        return json_reply(400, {{"error", "invalid_scope"}});
    }
    auto token = random_id() + random_id();
    tokens_.emplace(token, issue_record{std::chrono::steady_clock::now(), expires_in_});
    return json_reply(200, {{"access_token", token},
                            {"expires_in", expires_in_},
                            {"token_type", "Bearer"},
                            {"scope", scope_}});
}

std::optional<mock_reply>
fake_auth::refuse_client(const recorded_request& req,
                         const std::map<std::string, std::string>& form) const {
    if (client_auth_ == client_auth_method::body) {
        if (form_field(form, "client_id") != client_id_ ||
            form_field(form, "client_secret") != client_secret_) {
            return json_reply(400, {{"error", "invalid_client"}});
        }
        return std::nullopt;
    }
    // RFC 6749 section 5.2: a failed Basic authentication is a 401 with a challenge.
    auto unauthorized = json_reply(401, {{"error", "invalid_client"}});
    unauthorized.headers.emplace_back("WWW-Authenticate", R"(Basic realm="fake-auth")");
    const auto authorization = req.header("authorization");
    if (authorization.empty()) {
        return unauthorized;
    }
    const auto client = basic_credentials(authorization);
    // Section 2.3: one authentication method per request, so no secret in the form as well.
    if (!client || form.contains("client_secret")) {
        return json_reply(400, {{"error", "invalid_request"}});
    }
    if (client->id != client_id_ || client->secret != client_secret_) {
        return unauthorized;
    }
    return std::nullopt;
}

void fake_auth::set_client_auth(client_auth_method how) {
    std::lock_guard lock(mutex_);
    client_auth_ = how;
}

void fake_auth::set_expected_audience(std::string expected) {
    std::lock_guard lock(mutex_);
    expected_audience_ = std::move(expected);
}

void fake_auth::set_expires_in(std::int64_t seconds) {
    std::lock_guard lock(mutex_);
    expires_in_ = seconds;
}

void fake_auth::set_failure(failure what) {
    std::lock_guard lock(mutex_);
    failure_ = what;
}

void fake_auth::set_delay(std::chrono::milliseconds delay) {
    std::lock_guard lock(mutex_);
    delay_ = delay;
}

bool fake_auth::is_valid(std::string_view token) const {
    std::lock_guard lock(mutex_);
    return tokens_.contains(token);
}

std::optional<fake_auth::issue_record> fake_auth::issued(std::string_view token) const {
    std::lock_guard lock(mutex_);
    const auto it = tokens_.find(token);
    return it == tokens_.end() ? std::nullopt : std::optional(it->second);
}

void fake_auth::revoke_all() {
    std::lock_guard lock(mutex_);
    tokens_.clear();
}

std::size_t fake_auth::token_requests() const {
    std::lock_guard lock(mutex_);
    return token_requests_;
}

std::map<std::string, std::string> fake_auth::last_form() const {
    std::lock_guard lock(mutex_);
    return last_form_;
}

std::string fake_auth::last_authorization() const {
    std::lock_guard lock(mutex_);
    return last_authorization_;
}

// ---------------------------------------------------------------------------------------------
// The identity provider

std::string fake_auth::jwks_url() const {
    return base_url() + std::string(jwks_path);
}

std::string fake_auth::demo_token_url() const {
    return base_url() + std::string(demo_token_path);
}

mock_reply fake_auth::answer_jwks_request(const recorded_request& req) {
    if (req.method != "GET") {
        return method_not_allowed(json_reply(405, {{"error", "invalid_request"}}), "GET");
    }
    std::lock_guard lock(mutex_);
    ++jwks_requests_;
    if (!jwks_available_) {
        return json_reply(503, {{"error", "temporarily_unavailable"}});
    }
    auto reply = json_reply(200, jwt_signer::jwks({&signing_key()}));
    reply.headers.emplace_back("Cache-Control", "max-age=300");
    return reply;
}

mock_reply fake_auth::answer_demo_token_request(const recorded_request& req) {
    if (req.method == "OPTIONS") {
        // The preflight of a page that POSTs with a JSON Content-Type.
        mock_reply preflight;
        preflight.status = 204;
        preflight.content_type.clear();
        preflight.headers = {{"Access-Control-Allow-Methods", "POST"},
                             {"Access-Control-Allow-Headers", "Content-Type"},
                             {"Access-Control-Max-Age", "600"}};
        return with_cors(std::move(preflight));
    }
    if (req.method != "POST") {
        return with_cors(
            method_not_allowed(json_reply(405, {{"error", "invalid_request"}}), "POST"));
    }
    const auto now = unix_seconds_now();
    const auto token = sign({{"iss", issuer()},
                             {"sub", demo_subject},
                             {"aud", demo_audience},
                             {"scope", demo_scope},
                             {"iat", now},
                             {"nbf", now},
                             {"exp", now + demo_token_lifetime_s}});
    auto reply = json_reply(
        200,
        {{"access_token", token}, {"token_type", "Bearer"}, {"expires_in", demo_token_lifetime_s}});
    reply.headers.emplace_back("Cache-Control", "no-store");
    return with_cors(std::move(reply));
}

const jwt_signer& fake_auth::signing_key() {
    if (!signer_) {
        signer_.emplace(jwks_alg_, "fake-auth-key-" + std::to_string(++keys_made_));
    }
    return *signer_;
}

std::string fake_auth::sign(const nlohmann::json& claims) {
    std::lock_guard lock(mutex_);
    return signing_key().sign(claims);
}

void fake_auth::rotate_signing_key() {
    std::lock_guard lock(mutex_);
    signer_.reset();
}

void fake_auth::set_jwks_algorithm(jwt_alg alg) {
    std::lock_guard lock(mutex_);
    jwks_alg_ = alg;
    signer_.reset();
}

void fake_auth::set_jwks_available(bool available) {
    std::lock_guard lock(mutex_);
    jwks_available_ = available;
}

std::size_t fake_auth::jwks_requests() const {
    std::lock_guard lock(mutex_);
    return jwks_requests_;
}

} // namespace kore_gateway
