#include "kore_gateway/auth/oauth_client.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

#include "kore_gateway/auth/form_encoding.hpp"
#include "kore_gateway/util/ascii.hpp"

namespace kore_gateway {

namespace {

// RFC 6749 recommends the server always send expires_in; this is what we assume when it does not.
constexpr std::chrono::seconds default_token_lifetime{3600};
// A lifetime beyond a year is a unit mistake or a "never expires" claim. Trusting it would keep a
// token (possibly revoked meanwhile) for months without renewing it, so we renew daily instead.
constexpr std::chrono::seconds absurd_lifetime{std::chrono::hours(24 * 365)};
constexpr std::chrono::seconds clamped_lifetime{std::chrono::hours(24)};

token_reply failure(token_errc error, std::string description) {
    return token_reply{error, std::move(description), {}, {}};
}

// expires_in as a number of seconds, from a JSON number or a numeric string.
std::optional<double> read_seconds(const nlohmann::json& value) {
    if (value.is_number()) {
        return value.get<double>();
    }
    if (value.is_string()) {
        const auto& text = value.get_ref<const std::string&>();
        double seconds = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
        if (ec == std::errc{} && end == text.data() + text.size() && !text.empty()) {
            return seconds;
        }
    }
    return std::nullopt;
}

// RFC 6750 section 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
// The token goes into an Authorization header on every call, so anything else (a CR or LF above
// all, which would let the auth server write header lines of its own) is refused here.
bool is_b64token(std::string_view token) {
    const auto padding = token.find_last_not_of('=') + 1;
    if (padding == 0) {
        return false;
    }
    return std::all_of(token.begin(), token.begin() + static_cast<std::ptrdiff_t>(padding),
                       [](char c) {
                           return is_ascii_alnum(c) || c == '-' || c == '.' || c == '_' ||
                                  c == '~' || c == '+' || c == '/';
                       });
}

std::string status_text(const upstream_response& response) {
    return "HTTP " + std::to_string(response.result_int());
}

} // namespace

std::string_view to_string(token_errc e) {
    switch (e) {
    case token_errc::ok:
        return "ok";
    case token_errc::unavailable:
        return "unavailable";
    case token_errc::rejected:
        return "rejected";
    case token_errc::invalid_response:
        return "invalid_response";
    }
    return "unknown";
}

upstream_request make_token_request(const client_credentials& credentials) {
    const std::string target =
        credentials.token_url.path.empty() ? "/" : credentials.token_url.path;
    upstream_request req{http::verb::post, target};
    req.set(http::field::content_type, "application/x-www-form-urlencoded");
    req.set(http::field::accept, "application/json");
    if (credentials.client_auth == client_auth_method::basic) {
        req.set(http::field::authorization, basic_authorization(credentials));
    }
    req.body() = make_token_request_body(credentials);
    return req;
}

token_reply parse_token_reply(const upstream_result& result) {
    if (result.error == upstream_errc::invalid_response) {
        return failure(token_errc::invalid_response, "unparsable answer from the auth server");
    }
    if (result.error != upstream_errc::ok) {
        return failure(token_errc::unavailable,
                       "auth server unreachable: " + std::string(to_string(result.error)));
    }
    const auto& response = result.response;
    if (http::to_status_class(response.result()) != http::status_class::successful) {
        return failure(token_errc::rejected, "auth server answered " + status_text(response));
    }
    const auto json = nlohmann::json::parse(response.body(), nullptr, false);
    if (json.is_discarded() || !json.is_object()) {
        return failure(token_errc::invalid_response,
                       status_text(response) + " without a JSON object");
    }
    const auto token = json.find("access_token");
    if (token == json.end() || !token->is_string() ||
        token->get_ref<const std::string&>().empty()) {
        return failure(token_errc::invalid_response,
                       status_text(response) + " without an access_token");
    }
    if (!is_b64token(token->get_ref<const std::string&>())) {
        return failure(token_errc::invalid_response,
                       status_text(response) + " with an access_token that is not a bearer token");
    }
    auto lifetime = default_token_lifetime;
    if (const auto expires_in = json.find("expires_in"); expires_in != json.end()) {
        const auto seconds = read_seconds(*expires_in);
        if (!seconds || !std::isfinite(*seconds) || *seconds <= 0) {
            return failure(token_errc::invalid_response,
                           status_text(response) + " with an unusable expires_in");
        }
        if (*seconds > static_cast<double>(absurd_lifetime.count())) {
            lifetime = clamped_lifetime;
        } else {
            // A sub-second lifetime is rounded up so that renewals never run back to back.
            lifetime = std::max(std::chrono::seconds(1),
                                std::chrono::seconds(static_cast<std::int64_t>(*seconds)));
        }
    }
    return token_reply{token_errc::ok, {}, token->get<std::string>(), lifetime};
}

oauth_client::oauth_client(std::shared_ptr<upstream_client> auth_server,
                           client_credentials credentials)
    : auth_server_(std::move(auth_server)), credentials_(std::move(credentials)) {}

void oauth_client::async_request_token(token_reply_callback done) const {
    auth_server_->async_exchange(
        make_token_request(credentials_),
        [done = std::move(done)](upstream_result result) { done(parse_token_reply(result)); });
}

} // namespace kore_gateway
