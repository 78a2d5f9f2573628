// Who may call the gateway (CONTRACT.md section 17), end to end: API keys and JWTs verified
// against the fake identity provider's JWKS over real TLS, per-route allowlists and scopes,
// per-client rate limits, the challenges and CORS of the refusals, JWKS rotation and a JWKS that
// is down at start-up. Nothing of a refused caller reaches an upstream, and no credential of the
// client is ever forwarded or logged.
#include <chrono>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kore_gateway/app/demo_mode.hpp"
#include "kore_gateway/mock/demo_upstreams.hpp"
#include "kore_gateway/util/sha256.hpp"
#include "support/gateway_with_fakes.hpp"
#include "support/log_capture.hpp"
#include "support/metrics.hpp"
#include "support/targets.hpp"
#include "support/test_client.hpp"

namespace kore_gateway::testing {
namespace {

using namespace std::chrono_literals;

const std::string scoped_read_target = "/scoped/read/" + std::string(sample_opportunity_id);
const std::string scoped_admin_target = "/scoped/admin/" + std::string(sample_opportunity_id);
const std::string web_client_key = "web-client-key-0123456789";
const std::string ops_key = "ops-client-key-9876543210";
const std::string slow_key = "slow-client-key-5555555555";

// Two routes of KORE's deal that ask for scopes: one the demo user has, one it lacks.
nlohmann::json scoped_routes() {
    const auto route = [](const std::string& name, const std::string& scope) {
        return nlohmann::json{
            {"name", name},
            {"method", "GET"},
            {"path", "/scoped/" + scope.substr(scope.find(':') + 1) + "/{opportunityId}"},
            {"upstream", "kore"},
            {"upstream_path", "/aggregates/premium-deal-summaries/by-opportunity/{opportunityId}"},
            {"required_scopes", {scope}}};
    };
    return {route("scoped_read", "deals:read"), route("scoped_admin", "deals:admin")};
}

// The gateway with client authentication on, in mode (both by default), against the fakes; the
// fake auth server is also the identity provider.
class client_auth_test : public ::testing::Test {
protected:
    void start(client_auth_mode mode = {.api_key = true, .jwt = true}) {
        gw_.start([this, mode](gateway_config& config) { authenticate_clients(config, mode); });
    }
    void authenticate_clients(gateway_config& config, client_auth_mode mode) {
        config.client_auth = mode;
        config.cors_origins = {app_origin};
        config.jwt.jwks_url = must_parse_url(gw_auth().jwks_url());
        config.jwt.issuer = gw_auth().issuer();
        config.jwt.audience = std::string(demo_audience);
        config.clients = {
            {.id = "ops", .key_sha256 = sha256_hex(ops_key)},
            {.id = "slow", .key_sha256 = sha256_hex(slow_key), .rate_limit_rps = 0.01},
            {.id = "web",
             .key_sha256 = sha256_hex(web_client_key),
             .routes = std::vector<std::string>{"catalog_products"}},
        };
        config.routes_source = scoped_routes();
    }
    fake_auth& gw_auth() { return gw_.auth(); }
    std::uint16_t port() { return gw_.port(); }
    std::size_t kore_requests() { return gw_.kore().server().request_count(); }

    test_response get(const std::string& target, const std::string& credential = {},
                      std::map<std::string, std::string> headers = {}) {
        if (!credential.empty()) {
            headers["Authorization"] = "Bearer " + credential;
        }
        return fetch(port(), http::verb::get, target, headers);
    }

    std::string demo_token(const nlohmann::json& extra = nlohmann::json::object()) {
        const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
        nlohmann::json claims{
            {"iss", gw_auth().issuer()}, {"aud", demo_audience}, {"sub", demo_subject},
            {"scope", demo_scope},       {"iat", now},           {"exp", now + 600}};
        claims.update(extra);
        return gw_auth().sign(claims);
    }

    gateway_with_fakes gw_{gateway_options{.start_gateway = false}};
};

TEST_F(client_auth_test, without_credentials_it_is_401_with_the_challenge_and_nothing_upstream) {
    start();
    const auto before = kore_requests();
    const auto res = get(deal_target, {}, {{"Origin", app_origin}});
    EXPECT_TRUE(is_gateway_error(res, 401, "unauthorized")) << res.body();
    EXPECT_EQ(res[http::field::www_authenticate], R"(Bearer realm="kore-gateway")");
    EXPECT_EQ(res[http::field::access_control_allow_origin], app_origin);
    EXPECT_NE(std::string(res[http::field::access_control_expose_headers]).find("WWW-Authenticate"),
              std::string::npos);
    const auto basic = get(deal_target, {}, {{"Authorization", "Basic b3BzOmtleQ=="}});
    EXPECT_EQ(basic[http::field::www_authenticate], R"(Bearer realm="kore-gateway")");
    EXPECT_EQ(kore_requests(), before) << "an unauthenticated request reached KORE";
}

TEST_F(client_auth_test, a_wrong_key_or_token_is_401_invalid_token) {
    start();
    const auto before = kore_requests();
    for (const std::string& wrong : {std::string("not-a-key"), ops_key + "x",
                                     demo_token({{"exp", 1000}}), demo_token({{"aud", "other"}})}) {
        const auto res = get(deal_target, wrong, {{"Origin", app_origin}});
        EXPECT_TRUE(is_gateway_error(res, 401, "unauthorized")) << res.body();
        EXPECT_EQ(res[http::field::www_authenticate],
                  R"(Bearer realm="kore-gateway", error="invalid_token")");
        EXPECT_EQ(res[http::field::access_control_allow_origin], app_origin);
        EXPECT_EQ(res.body().find(wrong), std::string::npos);
    }
    EXPECT_EQ(kore_requests(), before);
}

TEST_F(client_auth_test, a_valid_key_passes_and_its_authorization_is_never_forwarded) {
    start();
    log_capture logs;
    const auto res = get(deal_target, ops_key);
    EXPECT_EQ(res.result_int(), 200) << res.body();
    const auto sent = gw_.kore().server().requests().back();
    EXPECT_NE(sent.header("authorization"), "Bearer " + ops_key);
    EXPECT_TRUE(gw_auth().is_valid(bearer_of(sent))) << "KORE did not get the gateway's token";
    const auto text = logs.text();
    EXPECT_NE(text.find("client_id=ops"), std::string::npos) << text;
    EXPECT_EQ(text.find(ops_key), std::string::npos) << "the key was logged";
}

TEST_F(client_auth_test, a_key_client_is_held_to_its_routes) {
    start();
    const auto before = kore_requests();
    const auto refused = get(deal_target, web_client_key, {{"Origin", app_origin}});
    EXPECT_TRUE(is_gateway_error(refused, 403, "forbidden")) << refused.body();
    EXPECT_EQ(refused[http::field::access_control_allow_origin], app_origin);
    EXPECT_EQ(kore_requests(), before);
    EXPECT_EQ(get("/catalog/products", web_client_key).result_int(), 200);
}

TEST_F(client_auth_test, a_client_rate_limit_applies_to_that_client_only) {
    start();
    EXPECT_EQ(get(deal_target, slow_key).result_int(), 200);
    const auto limited = get(deal_target, slow_key, {{"Origin", app_origin}});
    EXPECT_TRUE(is_gateway_error(limited, 429, "rate_limited")) << limited.body();
    EXPECT_GE(std::stoi(std::string(limited[http::field::retry_after])), 1);
    EXPECT_EQ(limited[http::field::access_control_allow_origin], app_origin);
    EXPECT_EQ(get(deal_target, ops_key).result_int(), 200) << "another client was limited";
}

TEST_F(client_auth_test, a_jwt_passes_and_scopes_are_checked) {
    start();
    const auto token = demo_token();
    EXPECT_EQ(get(deal_target, token).result_int(), 200);
    EXPECT_EQ(get(scoped_read_target, token).result_int(), 200);
    const auto before = kore_requests();
    const auto refused = get(scoped_admin_target, token, {{"Origin", app_origin}});
    EXPECT_TRUE(is_gateway_error(refused, 403, "forbidden")) << refused.body();
    EXPECT_EQ(refused[http::field::www_authenticate],
              R"(Bearer realm="kore-gateway", error="insufficient_scope", scope="deals:admin")");
    EXPECT_EQ(refused[http::field::access_control_allow_origin], app_origin);
    EXPECT_EQ(kore_requests(), before);
    EXPECT_TRUE(is_gateway_error(get(scoped_admin_target, ops_key), 403, "forbidden"))
        << "a key without the scope passed";
}

TEST_F(client_auth_test, rotated_keys_are_fetched_once_and_the_old_key_stops_working) {
    start();
    // Ready: the first set is fetched. A token arriving before it would make the wait for that
    // fetch end in a refetch, and the rotation's refetch would then fall within the 30 s bound.
    ASSERT_TRUE(eventually([this] { return get("/readyz").result_int() == 200; }));
    const auto old_token = demo_token();
    ASSERT_EQ(get(deal_target, old_token).result_int(), 200);
    const auto fetched = gw_auth().jwks_requests();
    gw_auth().rotate_signing_key();
    const auto new_token = demo_token();
    EXPECT_EQ(get(deal_target, new_token).result_int(), 200) << "the new kid was not fetched";
    EXPECT_EQ(gw_auth().jwks_requests(), fetched + 1);
    EXPECT_EQ(get(deal_target, new_token).result_int(), 200);
    EXPECT_EQ(gw_auth().jwks_requests(), fetched + 1) << "a known kid fetched again";
    EXPECT_TRUE(is_gateway_error(get(deal_target, old_token), 401, "unauthorized"))
        << "a key gone from the set still verified";
}

TEST_F(client_auth_test, a_jwks_down_at_start_makes_jwt_routes_503_until_it_is_back) {
    gw_auth().set_jwks_available(false);
    start({.jwt = true});
    const auto token = demo_token();
    const auto not_ready = get("/readyz");
    EXPECT_TRUE(is_gateway_error(not_ready, 503, "not_ready")) << not_ready.body();
    EXPECT_NE(not_ready.body().find("JWKS"), std::string::npos) << not_ready.body();
    const auto before = kore_requests();
    EXPECT_TRUE(is_gateway_error(get(deal_target, token), 503, "not_ready"));
    EXPECT_EQ(kore_requests(), before);
    EXPECT_EQ(get("/healthz").result_int(), 200) << "the gateway does not run";

    gw_auth().set_jwks_available(true);
    // Retried with backoff (1 s, then 2 s, ...): the bound only catches a gateway that gave up.
    EXPECT_TRUE(eventually([&] { return get("/readyz").result_int() == 200; }, 20s));
    EXPECT_EQ(get(deal_target, token).result_int(), 200);
}

TEST_F(client_auth_test, preflights_health_and_the_document_need_no_credentials_and_metrics_does) {
    start();
    const auto preflight = fetch(port(), http::verb::options, deal_target,
                                 {{"Origin", app_origin},
                                  {"Access-Control-Request-Method", "GET"},
                                  {"Access-Control-Request-Headers", "authorization"}});
    EXPECT_EQ(preflight.result_int(), 204) << preflight.body();
    EXPECT_NE(
        std::string(preflight[http::field::access_control_allow_headers]).find("Authorization"),
        std::string::npos);
    EXPECT_EQ(get("/healthz").result_int(), 200);
    EXPECT_EQ(get("/openapi.json").result_int(), 200);
    EXPECT_NE(get("/readyz").result_int(), 401);
    EXPECT_TRUE(is_gateway_error(get("/metrics"), 401, "unauthorized"));
    ASSERT_EQ(get(deal_target, ops_key).result_int(), 200);
    const auto metrics = get("/metrics", ops_key);
    ASSERT_EQ(metrics.result_int(), 200);
    EXPECT_GE(metric_value(metrics.body(),
                           R"(kore_gateway_client_requests_total{client="ops",code="2xx"})"),
              1);
    EXPECT_GE(metric_value(metrics.body(),
                           R"(kore_gateway_client_requests_total{client="anonymous",code="4xx"})"),
              1);
}

} // namespace
} // namespace kore_gateway::testing
