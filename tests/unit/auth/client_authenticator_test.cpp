#include "kore_gateway/auth/client_authenticator.hpp"

#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "kore_gateway/mock/jwt_signer.hpp"
#include "kore_gateway/util/sha256.hpp"
#include "support/log_capture.hpp"
#include "unit/auth/jwt_test_keys.hpp"

namespace kore_gateway {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using testing::jwt_keys;

constexpr std::int64_t wall_clock_s =
    1'700'000'000; // the wall clock of every test, seconds since the epoch
std::chrono::system_clock::time_point wall_t0() {
    return std::chrono::system_clock::time_point{std::chrono::seconds(wall_clock_s)};
}

const std::string app_key = "app-key-5f2b9c0e7d";     // scopes orders:read orders:write
const std::string web_key = "web-key-81a3e6d4c2";     // routes: catalog only
const std::string batch_key = "batch-key-0c9d7e1f3a"; // rate_limit_rps 2

gateway_config authenticator_config() {
    gateway_config config;
    config.jwt.issuer = "https://idp.example";
    config.jwt.audience = "kore-gateway";
    config.jwt.leeway = 60s;
    config.clients = {
        {"app", sha256_hex(app_key), std::nullopt, {"orders:read", "orders:write"}, 0},
        {"batch", sha256_hex(batch_key), std::nullopt, {}, 2},
        {"web", sha256_hex(web_key), std::vector<std::string>{"catalog"}, {}, 0},
    };
    return config;
}

std::shared_ptr<const jwk_set> set_of(const std::vector<const jwt_signer*>& signers) {
    auto parsed = parse_jwk_set(jwt_signer::jwks(signers).dump());
    EXPECT_TRUE(parsed.set) << parsed.error;
    return std::make_shared<const jwk_set>(parsed.set ? std::move(*parsed.set) : jwk_set{});
}

json claims(std::string_view scope = "read write") {
    return {{"iss", "https://idp.example"}, {"aud", "kore-gateway"}, {"sub", "alice"},
            {"exp", wall_clock_s + 600},    {"iat", wall_clock_s},   {"scope", scope}};
}

// The keys seam, stepped by hand: a refetch for an unknown kid waits until the test finishes it.
class stepped_keys final : public jwk_provider {
public:
    explicit stepped_keys(std::shared_ptr<const jwk_set> current) : current_(std::move(current)) {}

    std::shared_ptr<const jwk_set> keys() const override {
        std::lock_guard lock(mutex_);
        return current_;
    }
    void refresh_for_unknown_kid(std::function<void()> done) override {
        std::lock_guard lock(mutex_);
        ++refreshes_;
        pending_ = std::move(done);
    }
    std::string not_ready_reason() const override { return current_ ? "" : "JWKS: never fetched"; }

    // Ends the pending refetch, which brought fetched (null: the fetch failed, nothing changes).
    void finish_refresh(std::shared_ptr<const jwk_set> fetched) {
        std::function<void()> done;
        {
            std::lock_guard lock(mutex_);
            if (fetched) {
                current_ = std::move(fetched);
            }
            done = std::exchange(pending_, nullptr);
        }
        ASSERT_TRUE(done);
        done();
    }
    int refreshes() const {
        std::lock_guard lock(mutex_);
        return refreshes_;
    }

private:
    mutable std::mutex mutex_;
    std::shared_ptr<const jwk_set> current_;
    std::function<void()> pending_;
    int refreshes_ = 0;
};

constexpr client_auth_mode no_auth{false, false};
constexpr client_auth_mode key_only{true, false};
constexpr client_auth_mode jwt_only{false, true};
constexpr client_auth_mode key_or_jwt{true, true};

std::string bearer(std::string_view credential) {
    return "Bearer " + std::string(credential);
}

class client_authenticator_test : public ::testing::Test {
protected:
    std::shared_ptr<stepped_keys> keys_ =
        std::make_shared<stepped_keys>(set_of({&jwt_keys().es256}));
    manual_clock clock_;
    client_authenticator auth_{authenticator_config(), keys_, clock_, wall_t0};

    // The answer, which must come before authenticate returns.
    auth_result run(const auth_demand& demand, std::string_view authorization) {
        std::optional<auth_result> answer;
        auth_.authenticate(demand, authorization, [&](auth_result r) { answer = std::move(r); });
        EXPECT_TRUE(answer) << "no synchronous answer";
        return answer ? std::move(*answer) : auth_result{};
    }
    auth_result run(client_auth_mode mode, std::string_view authorization,
                    std::string_view route = "orders") {
        return run(auth_demand{mode, route, nullptr}, authorization);
    }
};

std::optional<std::string> client_id(const auth_result& result) {
    return result.client ? std::optional(result.client->log_id) : std::nullopt;
}

TEST_F(client_authenticator_test, decides_each_credential_against_each_mode) {
    const auto& signer = jwt_keys().es256;
    const auto token = signer.sign(claims());
    auto expired = claims();
    expired["exp"] = wall_clock_s - 61;
    auto other_audience = claims();
    other_audience["aud"] = "someone-else";
    auto no_sub = claims();
    no_sub.erase("sub");

    struct row {
        std::string name;
        client_auth_mode mode;
        std::string authorization;
        std::string route;
        auth_refusal refusal;
        std::optional<std::string> client;
    };
    const std::vector<row> rows = {
        {"no auth required", no_auth, "", "orders", auth_refusal::none, std::nullopt},
        {"no auth ignores credentials", no_auth, bearer(app_key), "orders", auth_refusal::none,
         std::nullopt},
        {"right key", key_only, bearer(app_key), "orders", auth_refusal::none, "app"},
        {"scheme in any case", key_only, "bEaReR " + app_key, "orders", auth_refusal::none, "app"},
        {"wrong key", key_only, bearer(app_key + "x"), "orders", auth_refusal::invalid_credentials,
         std::nullopt},
        {"no header", key_only, "", "orders", auth_refusal::missing_credentials, std::nullopt},
        {"Basic scheme", key_only, "Basic YXBwOnNlY3JldA==", "orders",
         auth_refusal::missing_credentials, std::nullopt},
        {"Bearer without credential", key_only, "Bearer", "orders",
         auth_refusal::missing_credentials, std::nullopt},
        {"client on a route it lacks", key_only, bearer(web_key), "orders",
         auth_refusal::route_not_allowed, "web"},
        {"client on its route", key_only, bearer(web_key), "catalog", auth_refusal::none, "web"},
        {"no route: no allowlist", key_only, bearer(web_key), "", auth_refusal::none, "web"},
        {"valid JWT where only keys count", key_only, bearer(token), "orders",
         auth_refusal::invalid_credentials, std::nullopt},
        {"valid JWT", jwt_only, bearer(token), "orders", auth_refusal::none, "alice"},
        {"JWT without sub", jwt_only, bearer(signer.sign(no_sub)), "orders", auth_refusal::none,
         "jwt"},
        {"expired JWT", jwt_only, bearer(signer.sign(expired)), "orders",
         auth_refusal::invalid_credentials, std::nullopt},
        {"JWT for another audience", jwt_only, bearer(signer.sign(other_audience)), "orders",
         auth_refusal::invalid_credentials, std::nullopt},
        {"key where only JWTs count", jwt_only, bearer(app_key), "orders",
         auth_refusal::invalid_credentials, std::nullopt},
        {"no header, JWT mode", jwt_only, "", "orders", auth_refusal::missing_credentials,
         std::nullopt},
        {"either: key", key_or_jwt, bearer(app_key), "orders", auth_refusal::none, "app"},
        {"either: JWT", key_or_jwt, bearer(token), "orders", auth_refusal::none, "alice"},
        {"either: neither", key_or_jwt, bearer("a.b.c"), "orders",
         auth_refusal::invalid_credentials, std::nullopt},
    };
    for (const auto& r : rows) {
        SCOPED_TRACE(r.name);
        const auto result = run(r.mode, r.authorization, r.route);
        EXPECT_EQ(result.refusal, r.refusal) << result.reason;
        EXPECT_EQ(client_id(result), r.client);
    }
}

TEST_F(client_authenticator_test, names_key_clients_and_jwt_callers_for_log_and_metrics) {
    const auto key = run(key_only, bearer(app_key));
    ASSERT_TRUE(key.client);
    EXPECT_EQ(key.client->log_id, "app");
    EXPECT_EQ(key.client->metrics_label, "app");

    const auto token = run(jwt_only, bearer(jwt_keys().es256.sign(claims())));
    ASSERT_TRUE(token.client);
    EXPECT_EQ(token.client->log_id, "alice");
    EXPECT_EQ(token.client->metrics_label, "jwt");
}

TEST_F(client_authenticator_test, requires_every_scope_of_the_route) {
    const auto token = bearer(jwt_keys().es256.sign(claims("read write")));
    struct row {
        client_auth_mode mode;
        std::string authorization;
        std::vector<std::string> required;
        auth_refusal refusal;
        std::string required_scope; // reported on insufficient_scope
    };
    const std::vector<row> rows = {
        {key_only, bearer(app_key), {"orders:read"}, auth_refusal::none, ""},
        {key_only, bearer(app_key), {"orders:write", "orders:read"}, auth_refusal::none, ""},
        {key_only,
         bearer(app_key),
         {"orders:read", "orders:admin"},
         auth_refusal::insufficient_scope,
         "orders:read orders:admin"},
        {key_only,
         bearer(batch_key),
         {"orders:read"},
         auth_refusal::insufficient_scope,
         "orders:read"},
        {jwt_only, token, {"write"}, auth_refusal::none, ""},
        {jwt_only, token, {"read", "admin"}, auth_refusal::insufficient_scope, "read admin"},
    };
    for (const auto& r : rows) {
        SCOPED_TRACE(r.authorization.substr(0, 20) + " needs " + r.required_scope);
        const auto result = run(auth_demand{r.mode, "orders", &r.required}, r.authorization);
        EXPECT_EQ(result.refusal, r.refusal) << result.reason;
        EXPECT_EQ(result.required_scope, r.required_scope);
        EXPECT_TRUE(result.client) << "a client with valid credentials is named even when refused";
    }
}

TEST_F(client_authenticator_test, unknown_kid_is_verified_again_once_the_refetch_brings_it) {
    const auto token = jwt_keys().rs256.sign(claims()); // the set holds only the EC key
    std::optional<auth_result> answer;
    auth_.authenticate({jwt_only, "orders", nullptr}, bearer(token),
                       [&](auth_result r) { answer = std::move(r); });
    EXPECT_FALSE(answer) << "answered before the refetch ended";
    ASSERT_EQ(keys_->refreshes(), 1);

    // The fetch ends on another thread, as the JWKS source's would.
    std::thread([&] { keys_->finish_refresh(set_of(jwt_keys().all())); }).join();
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->refusal, auth_refusal::none) << answer->reason;
    EXPECT_EQ(client_id(*answer), "alice");
}

TEST_F(client_authenticator_test, unknown_kid_still_unknown_after_the_refetch_is_invalid) {
    const auto token = jwt_keys().rs256.sign(claims());
    std::optional<auth_result> answer;
    auth_.authenticate({jwt_only, "orders", nullptr}, bearer(token),
                       [&](auth_result r) { answer = std::move(r); });
    keys_->finish_refresh(set_of({&jwt_keys().es256, &jwt_keys().eddsa}));
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->refusal, auth_refusal::invalid_credentials);
    EXPECT_EQ(keys_->refreshes(), 1) << "one refetch per request at most";
}

TEST_F(client_authenticator_test, refetch_outlives_the_request_demand_and_the_authenticator) {
    const auto token = jwt_keys().rs256.sign(claims("read"));
    std::optional<auth_result> answer;
    {
        client_authenticator snapshot(authenticator_config(), keys_, clock_, wall_t0);
        const std::vector<std::string> required{"read", "write"};
        const std::string route = "orders";
        snapshot.authenticate({jwt_only, route, &required}, bearer(token),
                              [&](auth_result r) { answer = std::move(r); });
    } // a reload replaced the snapshot, the request's route table went with it
    keys_->finish_refresh(set_of(jwt_keys().all()));
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->refusal, auth_refusal::insufficient_scope);
    EXPECT_EQ(answer->required_scope, "read write");
}

TEST(client_authenticator, a_token_arriving_before_the_first_jwks_waits_for_its_fetch) {
    manual_clock clock;
    const auto starting = std::make_shared<stepped_keys>(nullptr);
    client_authenticator auth(authenticator_config(), starting, clock, wall_t0);
    std::optional<auth_result> result;
    auth.authenticate({jwt_only, "orders", nullptr}, bearer(jwt_keys().es256.sign(claims())),
                      [&](auth_result r) { result = std::move(r); });
    EXPECT_FALSE(result) << "answered before the JWKS fetch under way had ended";
    starting->finish_refresh(set_of(jwt_keys().all()));
    ASSERT_TRUE(result);
    EXPECT_EQ(result->refusal, auth_refusal::none);
}

TEST(client_authenticator, keys_never_fetched_close_jwt_only_routes_but_not_key_routes) {
    manual_clock clock;
    const auto never_fetched = std::make_shared<stepped_keys>(nullptr);
    client_authenticator auth(authenticator_config(), never_fetched, clock, wall_t0);
    const auto token = bearer(jwt_keys().es256.sign(claims()));
    // Without a set the authenticator waits for one fetch (the start-up fetch may be under way);
    // it fails here, and the answer is then given.
    const auto answer = [&](client_auth_mode mode, const std::string& authorization) {
        std::optional<auth_result> result;
        auth.authenticate({mode, "orders", nullptr}, authorization,
                          [&](auth_result r) { result = std::move(r); });
        if (!result) {
            never_fetched->finish_refresh(nullptr);
        }
        return result ? result->refusal : auth_refusal::none;
    };
    EXPECT_EQ(answer(jwt_only, token), auth_refusal::keys_unavailable);
    EXPECT_EQ(answer(key_or_jwt, token), auth_refusal::invalid_credentials);
    EXPECT_EQ(never_fetched->refreshes(), 2);
    EXPECT_EQ(answer(key_or_jwt, bearer(app_key)), auth_refusal::none);
    EXPECT_EQ(never_fetched->refreshes(), 2) << "a key waited for the JWKS";

    client_authenticator keys_only(authenticator_config(), nullptr, clock,
                                   wall_t0); // no JWT configured
    std::optional<auth_result> result;
    keys_only.authenticate({key_only, "orders", nullptr}, bearer(app_key),
                           [&](auth_result r) { result = std::move(r); });
    ASSERT_TRUE(result);
    EXPECT_EQ(result->refusal, auth_refusal::none);
}

TEST_F(client_authenticator_test, client_rate_limit_allows_a_burst_of_twice_the_rate) {
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(run(key_only, bearer(batch_key)).refusal, auth_refusal::none) << i;
    }
    const auto refused = run(key_only, bearer(batch_key));
    EXPECT_EQ(refused.refusal, auth_refusal::rate_limited);
    EXPECT_EQ(refused.retry_after, 1s);
    EXPECT_EQ(client_id(refused), "batch");

    // Another client, and one without rate_limit_rps, are not limited here at all.
    for (int i = 0; i < 50; ++i) {
        EXPECT_EQ(run(key_only, bearer(app_key)).refusal, auth_refusal::none) << i;
    }
    clock_.advance(1s); // two more tokens
    EXPECT_EQ(run(key_only, bearer(batch_key)).refusal, auth_refusal::none);
    EXPECT_EQ(run(key_only, bearer(batch_key)).refusal, auth_refusal::none);
    EXPECT_EQ(run(key_only, bearer(batch_key)).refusal, auth_refusal::rate_limited);
}

TEST_F(client_authenticator_test, own_rate_limit_only_for_the_key_of_a_limited_client) {
    const std::vector<std::pair<std::string, bool>> rows = {
        {bearer(batch_key), true},
        {"bearer " + batch_key, true},
        {bearer(app_key), false},
        {bearer(batch_key + "x"), false},
        {"Basic " + batch_key, false},
        {"", false},
        {bearer(jwt_keys().es256.sign(claims())), false},
    };
    for (const auto& [authorization, expected] : rows) {
        EXPECT_EQ(auth_.has_own_rate_limit(authorization), expected) << authorization;
    }
}

TEST(client_authenticator, refuses_a_key_hash_that_is_not_64_hex_digits) {
    manual_clock clock;
    for (const auto& bad :
         std::vector<std::string>{"abc", std::string(64, 'g'), sha256_hex("k") + "00"}) {
        auto config = authenticator_config();
        config.clients[0].key_sha256 = bad;
        EXPECT_THROW(client_authenticator(config, nullptr, clock, wall_t0), std::invalid_argument)
            << bad;
    }
}

std::string header_of(const route_outcome& outcome, http::field field) {
    const auto it = outcome.res.find(field);
    return it == outcome.res.end() ? "(absent)" : std::string(it->value());
}

TEST(refusal_outcome, answers_each_refusal_with_its_status_code_and_challenge) {
    struct row {
        auth_refusal refusal;
        unsigned status;
        std::string error;
        std::string www_authenticate;
        std::string retry_after;
    };
    const std::vector<row> rows = {
        {auth_refusal::missing_credentials, 401, "unauthorized", R"(Bearer realm="kore-gateway")",
         "(absent)"},
        {auth_refusal::invalid_credentials, 401, "unauthorized",
         R"(Bearer realm="kore-gateway", error="invalid_token")", "(absent)"},
        {auth_refusal::route_not_allowed, 403, "forbidden",
         R"(Bearer realm="kore-gateway", error="insufficient_scope")", "(absent)"},
        {auth_refusal::insufficient_scope, 403, "forbidden",
         R"(Bearer realm="kore-gateway", error="insufficient_scope", scope="orders:read admin")",
         "(absent)"},
        {auth_refusal::keys_unavailable, 503, "not_ready", "(absent)", "(absent)"},
        {auth_refusal::rate_limited, 429, "rate_limited", "(absent)", "7"},
    };
    for (const auto& r : rows) {
        SCOPED_TRACE(r.error + " " + std::to_string(r.status));
        auth_result refused;
        refused.refusal = r.refusal;
        refused.required_scope = "orders:read admin";
        refused.retry_after = 7s;
        const auto outcome = refusal_outcome(refused);
        EXPECT_EQ(outcome.res.result_int(), r.status);
        const auto body = json::parse(*outcome.res.body());
        EXPECT_EQ(body["error"], r.error);
        EXPECT_EQ(body["error_id"], outcome.error_id);
        EXPECT_FALSE(outcome.error_id.empty());
        EXPECT_EQ(header_of(outcome, http::field::www_authenticate), r.www_authenticate);
        EXPECT_EQ(header_of(outcome, http::field::retry_after), r.retry_after);
    }
    auth_result no_keys;
    no_keys.refusal = auth_refusal::keys_unavailable;
    const auto keys_missing = refusal_outcome(no_keys);
    EXPECT_NE(json::parse(*keys_missing.res.body())["message"].get<std::string>().find("JWKS"),
              std::string::npos);
    EXPECT_THROW(refusal_outcome(auth_result{}), std::invalid_argument);
}

TEST_F(client_authenticator_test, credentials_appear_in_no_answer_reason_or_log) {
    testing::log_capture log;
    const auto expired = [] {
        auto c = claims();
        c["exp"] = wall_clock_s - 3600;
        return jwt_keys().es256.sign(c);
    }();
    const std::vector<std::string> required{"admin"};
    const std::vector<std::pair<std::string, std::string>> attempts = {
        {bearer(app_key + "-guess"), app_key + "-guess"},
        {bearer(web_key), web_key},         // route_not_allowed
        {bearer(expired), expired},         // invalid JWT
        {bearer("not.a.jwt"), "not.a.jwt"}, // neither
        {bearer(app_key), app_key},         // insufficient_scope
    };
    for (const auto& [authorization, credential] : attempts) {
        const auto result = run(auth_demand{key_or_jwt, "orders", &required}, authorization);
        ASSERT_NE(result.refusal, auth_refusal::none);
        EXPECT_EQ(result.reason.find(credential), std::string::npos) << result.reason;
        const auto outcome = refusal_outcome(result);
        EXPECT_EQ(outcome.res.body()->find(credential), std::string::npos) << *outcome.res.body();
        for (const auto& field : outcome.res) {
            EXPECT_EQ(std::string(field.value()).find(credential), std::string::npos);
        }
    }
    const auto logged = log.text();
    for (const auto& [authorization, credential] : attempts) {
        EXPECT_EQ(logged.find(credential), std::string::npos);
    }
}

} // namespace
} // namespace kore_gateway
