// The gateway's OAuth2 tokens (CONTRACT.md section 5) as the fake auth server and APIs see them:
// the form it posts, one request for many callers, renewal ahead of expiry, the 401 renew-once
// path, backoff when the auth server fails, readiness, and secrets kept out of everything the
// gateway shows.
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kore_gateway/util/clock.hpp"
#include "kore_gateway/util/sha256.hpp"
#include "support/fwd_fakes.hpp"
#include "support/gateway_with_fakes.hpp"
#include "support/log_capture.hpp"
#include "support/metrics.hpp"
#include "support/targets.hpp"
#include "support/test_client.hpp"

namespace kore_gateway::testing {
namespace {

using namespace std::chrono_literals;

const std::string kore_token_requests = R"(kore_gateway_token_requests_total{upstream="kore"})";

bool is_ready(std::uint16_t port) {
    return fetch(port, http::verb::get, "/readyz").result_int() == 200;
}

TEST(token, request_form_carries_the_configured_values_percent_encoded) {
    fwd_options options;
    options.credentials.client_id = "gateway client+1";
    options.credentials.client_secret = "s&cr=t+%/ with space";
    options.credentials.scope = "pss-api offline";
    gateway_with_fakes gw({.fakes = chosen_fakes{make_test_pki(), options}});

    // The fake answers a token only for exactly these credentials.
    const auto res = fetch(gw.port(), http::verb::get, deal_target);
    ASSERT_EQ(res.result_int(), 200) << res.body();
    const std::map<std::string, std::string> expected{{"grant_type", "client_credentials"},
                                                      {"scope", "pss-api offline"},
                                                      {"client_id", "gateway client+1"},
                                                      {"client_secret", "s&cr=t+%/ with space"}};
    EXPECT_EQ(gw.auth().last_form(), expected);

    const auto sent = gw.auth().server().requests();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].method, "POST");
    EXPECT_EQ(sent[0].target, "/connect/token");
    EXPECT_TRUE(sent[0].header("content-type").starts_with("application/x-www-form-urlencoded"))
        << sent[0].header("content-type");
    EXPECT_EQ(sent[0].body, "grant_type=client_credentials&scope=pss-api%20offline"
                            "&client_id=gateway%20client%2B1"
                            "&client_secret=s%26cr%3Dt%2B%25%2F%20with%20space");
    EXPECT_EQ(sent[0].header("authorization"), ""); // credentials go in the body only
}

TEST(token, fifty_concurrent_first_requests_make_one_token_request) {
    gateway_with_fakes gw({.adjust =
                               [](gateway_config& config) {
                                   // fifty TLS handshakes on a loaded machine
                                   config.upstream_timeout = 8000ms;
                               },
                           .start_gateway = false});
    // The start-up token request is still in flight when the requests arrive.
    gw.auth().set_delay(500ms);
    gw.start();

    const auto responses = fetch_concurrently(gw.port(), 50, deal_target);
    for (const auto& res : responses) {
        EXPECT_EQ(res.result_int(), 200) << res.body();
    }
    EXPECT_EQ(gw.auth().token_requests(), 1u);
    const auto sent = gw.kore().server().requests();
    ASSERT_EQ(sent.size(), 50u);
    std::set<std::string> tokens;
    for (const auto& req : sent) {
        tokens.insert(bearer_of(req));
    }
    EXPECT_EQ(tokens.size(), 1u);
    EXPECT_TRUE(gw.auth().is_valid(*tokens.begin()));
}

TEST(token, is_renewed_before_it_expires) {
    manual_clock clock;
    // Every token KORE sees must be one the auth server issued less than its lifetime ago on the
    // gateway's clock (the fake records real time, and never expires tokens itself).
    std::mutex mutex;
    std::map<std::string, clock::time_point> issued_at;
    std::string newest_token;   // the auth server's latest
    std::string last_presented; // at KORE
    std::vector<std::string> problems;
    gateway_with_fakes gw({.start_gateway = false, .clock = &clock});
    gw.auth().set_expires_in(100);
    gw.auth().server().set_handler([&](const recorded_request& req) {
        auto reply = gw.auth().handle(req);
        const auto body = nlohmann::json::parse(reply.body, nullptr, false);
        if (body.is_object() && body.contains("access_token")) {
            std::lock_guard lock(mutex);
            newest_token = body["access_token"].get<std::string>();
            issued_at[newest_token] = clock.now();
        }
        return reply;
    });
    gw.kore().server().set_handler([&](const recorded_request& req) {
        {
            std::lock_guard lock(mutex);
            last_presented = bearer_of(req);
            const auto issued = issued_at.find(last_presented);
            if (issued == issued_at.end()) {
                problems.push_back("a token the auth server did not issue");
            } else if (clock.now() - issued->second >= 100s) {
                const auto age =
                    std::chrono::duration_cast<std::chrono::seconds>(clock.now() - issued->second);
                problems.push_back("a token issued " + std::to_string(age.count()) + " s ago");
            }
        }
        return gw.kore().handle(req);
    });
    gw.start();

    // Steady traffic while the clock crosses almost three lifetimes, 10 s at a time. Renewal
    // starts on its own at 80 % of each lifetime (at 80, 160 and 240 s), before any caller needs
    // it (a token serves callers until 90 %). The clock moves on only once the renewed token is
    // in use: moving it while the token request is in flight would also pass its deadline.
    test_client client(gw.port());
    std::size_t sent = 0;
    const auto get_deal = [&] {
        ++sent;
        EXPECT_EQ(client.get(deal_target).result_int(), 200) << sent;
    };
    for (auto elapsed = 0s; elapsed < 300s; elapsed += 10s) {
        if (elapsed > 0s && elapsed % 80s == 0s) {
            const auto renewals = static_cast<std::size_t>(elapsed / 80s);
            ASSERT_TRUE(eventually([&] {
                get_deal();
                std::lock_guard lock(mutex);
                // Counted as issued, not as received: a request the auth server has received
                // but not answered leaves newest_token as it was, so the old token would pass
                // for the renewed one, and the clock would move under the request in flight.
                return issued_at.size() == 1 + renewals && last_presented == newest_token;
            })) << "no renewal at "
                << elapsed.count() << " s";
        } else {
            get_deal();
        }
        clock.advance(10s);
    }
    EXPECT_EQ(gw.auth().token_requests(), 4u);
    // Renewal came ahead of expiry: no request was refused and retried.
    EXPECT_EQ(gw.kore().server().request_count(), sent);
    std::lock_guard lock(mutex);
    EXPECT_TRUE(problems.empty()) << problems.size() << " stale tokens, first: " << problems[0];
}

TEST(token, revoked_token_is_renewed_once_and_the_request_retried) {
    gateway_with_fakes gw;
    test_client client(gw.port());
    ASSERT_EQ(client.get(deal_target).result_int(), 200);
    ASSERT_EQ(gw.auth().token_requests(), 1u);

    gw.auth().revoke_all();
    const auto res = client.get(deal_target);
    EXPECT_EQ(res.result_int(), 200) << res.body();
    EXPECT_EQ(gw.auth().token_requests(), 2u);

    const auto sent = gw.kore().server().requests();
    ASSERT_EQ(sent.size(), 3u); // the first request, the refused one, its retry
    EXPECT_EQ(bearer_of(sent[1]), bearer_of(sent[0]));
    EXPECT_NE(bearer_of(sent[2]), bearer_of(sent[1]));
    EXPECT_TRUE(gw.auth().is_valid(bearer_of(sent[2])));
    EXPECT_EQ(sent[2].header("x-request-id"), sent[1].header("x-request-id"));

    // The renewed token serves what follows without another token request.
    EXPECT_EQ(client.get(deal_target).result_int(), 200);
    EXPECT_EQ(gw.auth().token_requests(), 2u);
}

TEST(token, price_post_refused_with_a_revoked_token_is_retried_with_the_same_body) {
    fwd_options options;
    options.catalog_auth = fwd_options::catalog_token::own;
    gateway_with_fakes gw({.fakes = chosen_fakes{make_test_pki(), options}});
    ASSERT_TRUE(eventually([&] { return is_ready(gw.port()); }));
    gw.fakes().catalog_auth()->revoke_all();

    const std::string body = R"({"formData":[{"elementKey":"users","elementValue":7}]})";
    const auto target = "/catalog/products/" + std::string(sample_product_id) + "/offers/" +
                        std::string(sample_offer_id) + "/price?customerId=C7";
    const auto res = fetch(gw.port(), http::verb::post, target, {}, body);
    EXPECT_EQ(res.result_int(), 200) << res.body();
    const auto sent = gw.catalog().server().requests();
    ASSERT_EQ(sent.size(), 2u);
    for (const auto& req : sent) {
        EXPECT_EQ(req.method, "POST");
        EXPECT_EQ(req.body, body);
        EXPECT_EQ(req.header("content-type"), "application/json");
    }
    EXPECT_NE(bearer_of(sent[1]), bearer_of(sent[0]));
    EXPECT_EQ(gw.fakes().catalog_auth()->token_requests(), 2u);
    EXPECT_EQ(gw.auth().token_requests(), 1u); // KORE's token is another credential set
}

TEST(token, many_requests_refused_with_one_revoked_token_cause_one_renewal) {
    gateway_with_fakes gw([](gateway_config& config) { config.upstream_timeout = 8000ms; });
    ASSERT_EQ(fetch(gw.port(), http::verb::get, deal_target).result_int(), 200);
    gw.auth().revoke_all();
    const auto responses = fetch_concurrently(gw.port(), 20, deal_target);
    for (const auto& res : responses) {
        EXPECT_EQ(res.result_int(), 200) << res.body();
    }
    EXPECT_EQ(gw.auth().token_requests(), 2u);
}

TEST(token, persistent_401_is_upstream_auth_failed_after_exactly_one_retry) {
    gateway_with_fakes gw;
    ASSERT_TRUE(eventually([&] { return is_ready(gw.port()); }));
    gw.kore().server().set_handler([](const recorded_request&) {
        mock_reply reply;
        reply.status = 401;
        reply.body = R"({"id":null,"error_id":"x","error":"unauthorized","message":"no",)"
                     R"("link":null,"errors":[]})";
        return reply;
    });
    const auto res = fetch(gw.port(), http::verb::get, deal_target);
    EXPECT_TRUE(is_gateway_error(res, 502, "upstream_auth_failed"));
    const auto sent = gw.kore().server().requests();
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_NE(bearer_of(sent[1]), bearer_of(sent[0])) << "the retry must carry a renewed token";
    EXPECT_EQ(gw.auth().token_requests(), 2u);

    // Once KORE accepts tokens again, the gateway serves again.
    gw.kore().server().set_handler(answer_as(gw.kore()));
    EXPECT_EQ(fetch(gw.port(), http::verb::get, deal_target).result_int(), 200);
}

// How many failed token requests of the kore upstream the log shows: a line written once the
// provider has taken the failure in and fixed its next attempt on its clock.
std::size_t kore_token_failures_logged(log_capture& logs) {
    const auto text = logs.text();
    const std::string line = "auth[kore]: token request failed";
    std::size_t count = 0;
    for (auto at = text.find(line); at != std::string::npos; at = text.find(line, at + 1)) {
        ++count;
    }
    return count;
}

// A gateway on a manual clock against an auth server that fails every token request: callers
// get 502 upstream_auth_failed at once, /readyz says why, and the token is asked for again only
// when the clock has passed the backoff delay, once per delay. Returns with `attempts` made.
void expect_auth_failures_with_backoff(gateway_with_fakes& gw, manual_clock& clock,
                                       log_capture& logs, std::size_t attempts) {
    test_client client(gw.port());
    for (std::size_t made = 1; made <= attempts; ++made) {
        ASSERT_TRUE(eventually([&] { return kore_token_failures_logged(logs) == made; }));
        for (int i = 0; i < 5; ++i) {
            EXPECT_TRUE(is_gateway_error(client.get(deal_target), 502, "upstream_auth_failed"));
        }
        EXPECT_EQ(kore_token_failures_logged(logs), made) << "an attempt before its delay passed";
        if (made < attempts) {
            clock.advance(31s); // past the longest delay (30 s)
        }
    }
    const auto ready = client.get("/readyz");
    EXPECT_EQ(ready.result_int(), 503);
    const std::string reason = body_json(ready).value("message", "");
    EXPECT_NE(reason.find("kore"), std::string::npos) << reason;
    EXPECT_NE(reason.find("failed"), std::string::npos) << reason;
}

TEST(token, auth_server_answering_500_gives_upstream_auth_failed_with_backoff) {
    log_capture logs;
    manual_clock clock;
    gateway_with_fakes gw({.start_gateway = false, .clock = &clock});
    gw.auth().set_failure(fake_auth::failure::server_error);
    gw.start();
    expect_auth_failures_with_backoff(gw, clock, logs, 4);
    EXPECT_EQ(gw.auth().token_requests(), 4u);
    EXPECT_EQ(gw.kore().server().request_count(), 0u);

    gw.auth().set_failure(fake_auth::failure::none);
    clock.advance(31s);
    // The deal rather than /readyz: the billing token, asked for at start-up, may have met a
    // deadline the clock moved past, and waits for the clock to move again.
    EXPECT_TRUE(eventually(
        [&] { return fetch(gw.port(), http::verb::get, deal_target).result_int() == 200; }));
}

TEST(token, auth_server_down_gives_upstream_auth_failed_with_backoff) {
    log_capture logs;
    manual_clock clock;
    gateway_with_fakes gw({.start_gateway = false, .clock = &clock});
    gw.auth().server().stop(); // connections to it are refused
    gw.start();
    expect_auth_failures_with_backoff(gw, clock, logs, 3);
    const auto metrics = fetch(gw.port(), http::verb::get, "/metrics").body();
    EXPECT_EQ(metric_value(metrics, kore_token_requests), 3.0);
    EXPECT_EQ(gw.kore().server().request_count(), 0u);
}

TEST(token, auth_server_slower_than_the_timeout_is_upstream_auth_failed) {
    gateway_with_fakes gw(
        {.adjust = [](gateway_config& config) { config.upstream_timeout = 300ms; },
         .start_gateway = false});
    gw.auth().set_delay(2000ms);
    gw.start();
    // The answer decides: without the timeout the token would come after 2 s (well within the
    // test client's own deadline) and the deal would be a 200.
    EXPECT_TRUE(is_gateway_error(fetch(gw.port(), http::verb::get, deal_target), 502,
                                 "upstream_auth_failed"));
    EXPECT_EQ(gw.kore().server().request_count(), 0u);
}

TEST(token, malformed_auth_answers_are_upstream_auth_failed_until_the_server_is_fixed) {
    for (const auto failure :
         {fake_auth::failure::malformed_json, fake_auth::failure::missing_access_token,
          fake_auth::failure::html_error_page}) {
        SCOPED_TRACE(static_cast<int>(failure));
        gateway_with_fakes gw({.start_gateway = false});
        gw.auth().set_failure(failure);
        gw.start();
        test_client client(gw.port());
        EXPECT_TRUE(is_gateway_error(client.get(deal_target), 502, "upstream_auth_failed"));
        EXPECT_EQ(client.get("/readyz").result_int(), 503);
        EXPECT_GE(gw.auth().token_requests(), 1u);

        gw.auth().set_failure(fake_auth::failure::none);
        EXPECT_TRUE(eventually([&] { return client.get(deal_target).result_int() == 200; }));
        EXPECT_EQ(client.get("/readyz").result_int(), 200);
    }
}

TEST(token, readyz_is_503_with_a_reason_until_the_first_token_arrives) {
    // The auth server holds the start-up token request until the test lets it answer.
    std::promise<void> release;
    auto released = release.get_future().share();
    gateway_with_fakes gw({.start_gateway = false});
    gw.auth().server().set_handler([&gw, released](const recorded_request& req) {
        released.wait_for(5s);
        return gw.auth().handle(req);
    });
    gw.start();
    ASSERT_TRUE(eventually([&] { return gw.auth().server().request_count() == 1; }));

    const auto waiting = fetch(gw.port(), http::verb::get, "/readyz");
    release.set_value();
    EXPECT_TRUE(is_gateway_error(waiting, 503, "not_ready"));
    const std::string reason = body_json(waiting).value("message", "");
    EXPECT_NE(reason.find("kore"), std::string::npos) << reason;
    EXPECT_NE(reason.find("no token yet"), std::string::npos) << reason;

    ASSERT_TRUE(eventually([&] { return is_ready(gw.port()); }));
    const auto ready = fetch(gw.port(), http::verb::get, "/readyz");
    EXPECT_EQ(body_json(ready), nlohmann::json({{"status", "ready"}}));
    EXPECT_EQ(gw.auth().token_requests(), 1u);
}

TEST(token, catalog_with_its_own_credentials_gets_its_own_token) {
    fwd_options options;
    options.catalog_auth = fwd_options::catalog_token::own;
    gateway_with_fakes gw({.fakes = chosen_fakes{make_test_pki(), options}});
    test_client client(gw.port());
    ASSERT_EQ(client.get(deal_target).result_int(), 200);
    ASSERT_EQ(client.get("/catalog/products").result_int(), 200);
    ASSERT_TRUE(eventually([&] { return is_ready(gw.port()); }));

    auto& catalog_auth = *gw.fakes().catalog_auth();
    EXPECT_EQ(gw.auth().token_requests(), 1u);
    EXPECT_EQ(catalog_auth.token_requests(), 1u);
    const auto& credentials = gw.fakes().credentials();
    const std::map<std::string, std::string> catalog_form{
        {"grant_type", "client_credentials"},
        {"scope", credentials.catalog_scope},
        {"client_id", credentials.catalog_client_id},
        {"client_secret", credentials.catalog_client_secret}};
    EXPECT_EQ(catalog_auth.last_form(), catalog_form);

    const auto kore_token = bearer_of(gw.kore().server().requests().at(0));
    const auto catalog_token = bearer_of(gw.catalog().server().requests().at(0));
    EXPECT_TRUE(gw.auth().is_valid(kore_token));
    EXPECT_FALSE(catalog_auth.is_valid(kore_token));
    EXPECT_TRUE(catalog_auth.is_valid(catalog_token));
    EXPECT_FALSE(gw.auth().is_valid(catalog_token));
    EXPECT_EQ(gw.catalog().server().requests().at(0).header("x-api-key"),
              credentials.catalog_api_key);
}

TEST(token, upstreams_sharing_a_credential_set_share_one_token) {
    fwd_options options;
    options.catalog_auth = fwd_options::catalog_token::shared_with_kore;
    gateway_with_fakes gw({.fakes = chosen_fakes{make_test_pki(), options}});
    test_client client(gw.port());
    ASSERT_EQ(client.get(deal_target).result_int(), 200);
    ASSERT_EQ(client.get("/catalog/products").result_int(), 200);
    EXPECT_EQ(gw.auth().token_requests(), 1u);
    const auto token = bearer_of(gw.kore().server().requests().at(0));
    EXPECT_TRUE(gw.auth().is_valid(token));
    EXPECT_EQ(bearer_of(gw.catalog().server().requests().at(0)), token);
}

// Every secret the gateway holds or is sent: upstream credentials and tokens, and the clients'
// API keys and JWTs (CONTRACT.md section 17), in both log formats (section 15).
class secrets_never_leak : public ::testing::TestWithParam<std::string> {};

TEST_P(secrets_never_leak, in_logs_metrics_or_answers) {
    log_capture logs(GetParam());
    fwd_options options;
    options.catalog_auth = fwd_options::catalog_token::own;
    const std::string client_key = "leak-test-client-key-31415926";
    std::vector<std::string> secrets;
    std::vector<test_response> seen;
    {
        gateway_with_fakes gw(
            {.fakes = chosen_fakes{make_test_pki(), options}, .start_gateway = false});
        auto& fakes = gw.fakes();
        gw.start([&](gateway_config& config) {
            config.client_auth = {.api_key = true, .jwt = true};
            config.clients = {{.id = "app", .key_sha256 = sha256_hex(client_key)}};
            config.jwt.jwks_url = must_parse_url(fakes.auth().jwks_url());
            config.jwt.issuer = fakes.auth().issuer();
            config.jwt.audience = "kore-gateway";
        });
        const auto product = std::string(sample_product_id);
        const auto offer = std::string(sample_offer_id);
        const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
        const auto client_jwt = fakes.auth().sign({{"iss", fakes.auth().issuer()},
                                                   {"aud", "kore-gateway"},
                                                   {"sub", "leak-test-user"},
                                                   {"exp", now + 600}});
        const auto expired_jwt = fakes.auth().sign(
            {{"iss", fakes.auth().issuer()}, {"aud", "kore-gateway"}, {"exp", now - 600}});

        test_client client(gw.port());
        std::string credential = client_key;
        auto call = [&](http::verb method, const std::string& target,
                        const std::string& body = {}) {
            seen.push_back(
                client.request(method, target, {{"Authorization", "Bearer " + credential}}, body));
            return seen.back().result_int();
        };
        const auto get = http::verb::get;
        EXPECT_EQ(call(get, deal_target), 200);
        EXPECT_EQ(call(get, "/catalog/products"), 200);
        EXPECT_EQ(call(get, "/catalog/products/" + product + "/offers?customerId=C1"), 200);
        const auto price = "/catalog/products/" + product + "/offers/" + offer + "/price";
        const std::string price_body = R"({"formData":[{"elementKey":"users","elementValue":3}]})";
        EXPECT_EQ(call(http::verb::post, price, price_body), 200);
        EXPECT_EQ(call(get, "/deals/no-such-deal"), 404);
        // The 401 path: KORE's token is renewed.
        fakes.auth().revoke_all();
        EXPECT_EQ(call(get, deal_target), 200);
        // A failed renewal: the catalog's token is refused and its auth server fails.
        fakes.catalog_auth()->set_failure(fake_auth::failure::server_error);
        fakes.catalog_auth()->revoke_all();
        EXPECT_EQ(call(http::verb::post, price, price_body), 502);
        EXPECT_EQ(call(get, "/readyz"), 503);
        EXPECT_EQ(call(get, "/metrics"), 200);
        EXPECT_EQ(call(get, "/healthz"), 200);
        credential = client_jwt;
        EXPECT_EQ(call(get, deal_target), 200);
        credential = expired_jwt;
        EXPECT_EQ(call(get, deal_target), 401);
        credential = client_key + "-wrong";
        EXPECT_EQ(call(get, deal_target), 401);

        secrets = {fakes.credentials().client_secret,
                   fakes.credentials().catalog_client_secret,
                   fakes.credentials().kore_api_key,
                   fakes.credentials().catalog_api_key,
                   client_key,
                   client_jwt,
                   expired_jwt};
        for (auto* server : {&fakes.kore().server(), &fakes.catalog().server()}) {
            for (const auto& req : server->requests()) {
                if (!bearer_of(req).empty()) {
                    secrets.push_back(bearer_of(req));
                }
            }
        }
    }                                   // the gateway is gone: every log line is written
    EXPECT_GE(secrets.size(), 7u + 3u); // two KORE tokens and at least one catalog token

    const auto text = logs.text();
    EXPECT_NE(text.find("/deals/"), std::string::npos) << "the capture saw no logs";
    if (GetParam() == "json") {
        std::istringstream lines(text);
        for (std::string line; std::getline(lines, line);) {
            EXPECT_TRUE(nlohmann::json::parse(line, nullptr, false).is_object()) << line;
        }
    }
    for (const auto& secret : secrets) {
        SCOPED_TRACE(secret);
        EXPECT_EQ(text.find(secret), std::string::npos) << "in the logs";
        for (const auto& res : seen) {
            EXPECT_EQ(res.body().find(secret), std::string::npos) << "in a body: " << res.body();
            for (const auto& field : res) {
                EXPECT_EQ(field.value().find(secret), std::string::npos)
                    << "in header " << field.name_string();
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(both_log_formats, secrets_never_leak, ::testing::Values("text", "json"));

} // namespace
} // namespace kore_gateway::testing
