// Token answers that are odd or broken in their fields (malformed JSON, an HTML page and a 500
// are in token_test.cpp): each is upstream_auth_failed until the auth server is fixed, or, for
// odd but usable lifetimes, a working token without a request storm.
#include <cstdint>
#include <functional>
#include <limits>
#include <ostream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kore_gateway/mock/fake_kore.hpp"
#include "support/eventually.hpp"
#include "support/gateway_with_fakes.hpp"
#include "support/targets.hpp"
#include "support/test_client.hpp"

namespace kore_gateway::testing {
namespace {

using namespace std::chrono_literals;

// Every token answer carries `expires_in: value` instead of the fake's number; the token itself
// is a genuine one, so KORE accepts it whenever the gateway does.
void answer_expires_in(fake_auth& auth, nlohmann::json value) {
    auth.server().set_handler([&auth, value = std::move(value)](const recorded_request& req) {
        auto reply = auth.handle(req);
        auto body = nlohmann::json::parse(reply.body, nullptr, false);
        if (body.is_object() && body.contains("access_token")) {
            body["expires_in"] = value;
            reply.body = body.dump();
        }
        return reply;
    });
}

// Every token answer with its body replaced.
void answer_token_body(fake_auth& auth, std::string body) {
    auth.server().set_handler([&auth, body = std::move(body)](const recorded_request& req) {
        auto reply = auth.handle(req);
        reply.body = body;
        return reply;
    });
}

void heal_auth(fake_auth& auth) {
    auth.set_failure(fake_auth::failure::none);
    auth.set_expires_in(3600);
    auth.server().set_handler([&auth](const recorded_request& req) { return auth.handle(req); });
}

struct auth_fault_case {
    std::string name;
    std::function<void(fake_auth&)> spoil; // before the gateway starts: its first request too
};

// gtest prints a parameter into the test's name as ctest lists it: the name, not its bytes.
void PrintTo(const auth_fault_case& c, std::ostream* os) {
    *os << c.name;
}

class auth_fault : public ::testing::TestWithParam<auth_fault_case> {};

TEST_P(auth_fault, is_upstream_auth_failed_and_recovers_once_the_auth_server_does) {
    gateway_with_fakes gw({.start_gateway = false});
    GetParam().spoil(gw.auth());
    gw.start();
    EXPECT_TRUE(is_gateway_error(fetch(gw.port(), http::verb::get, deal_target), 502,
                                 "upstream_auth_failed"));
    EXPECT_EQ(fetch(gw.port(), http::verb::get, "/readyz").result_int(), 503);
    // The Catalog API needs no token here: it is not held hostage by KORE's auth server.
    EXPECT_EQ(fetch(gw.port(), http::verb::get, "/catalog/products").result_int(), 200);
    // Failed token requests are retried with backoff: callers within it fail at once, without a
    // token request each (however long these take, the backoff allows only a few).
    test_client client(gw.port());
    for (int i = 0; i < 20; ++i) {
        EXPECT_TRUE(is_gateway_error(client.get(deal_target), 502, "upstream_auth_failed"));
    }
    EXPECT_LT(gw.auth().token_requests(), 10u);
    heal_auth(gw.auth());
    // The token provider retries on its own backoff schedule: recovery takes a few seconds.
    EXPECT_TRUE(eventually([&] { return client.get(deal_target).result_int() == 200; }, 15s));
}

INSTANTIATE_TEST_SUITE_P(
    token, auth_fault,
    ::testing::Values(
        auth_fault_case{"negative_expires_in", [](fake_auth& a) { a.set_expires_in(-3600); }},
        auth_fault_case{"zero_expires_in", [](fake_auth& a) { a.set_expires_in(0); }},
        auth_fault_case{"expires_in_not_a_number",
                        [](fake_auth& a) { answer_expires_in(a, "soon"); }},
        auth_fault_case{"expires_in_null", [](fake_auth& a) { answer_expires_in(a, nullptr); }},
        auth_fault_case{
            "empty_access_token",
            [](fake_auth& a) { answer_token_body(a, R"({"access_token":"","expires_in":3600})"); }},
        auth_fault_case{"access_token_not_a_string",
                        [](fake_auth& a) {
                            answer_token_body(
                                a, R"({"access_token":{"value":"x"},"expires_in":3600})");
                        }},
        // A token answer without end: the response size bound applies to the auth server too.
        auth_fault_case{"endless_chunked_answer",
                        [](fake_auth& a) {
                            a.server().set_handler([&a](const recorded_request& req) {
                                auto reply = a.handle(req);
                                reply.what = fault::endless_chunked;
                                return reply;
                            });
                        }}),
    [](const ::testing::TestParamInfo<auth_fault_case>& param_info) {
        return param_info.param.name;
    });

// Lifetimes that are odd but usable: the token works, and an absurd one does not make the gateway
// either hammer the auth server or trust the token for centuries.
struct odd_lifetime_case {
    std::string name;
    nlohmann::json expires_in;
};

void PrintTo(const odd_lifetime_case& c, std::ostream* os) {
    *os << c.name;
}

class odd_token_lifetime : public ::testing::TestWithParam<odd_lifetime_case> {};

TEST_P(odd_token_lifetime, still_gives_a_working_token_without_a_request_storm) {
    gateway_with_fakes gw({.start_gateway = false});
    answer_expires_in(gw.auth(), GetParam().expires_in);
    gw.start();
    test_client client(gw.port());
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(eventually([&] { return client.get(deal_target).result_int() == 200; }));
    }
    EXPECT_LE(gw.auth().token_requests(), 2u);
}

INSTANTIATE_TEST_SUITE_P(
    token, odd_token_lifetime,
    ::testing::Values(odd_lifetime_case{"absurdly_large", std::numeric_limits<std::int64_t>::max()},
                      odd_lifetime_case{"larger_than_any_integer", 1e300},
                      odd_lifetime_case{"numeric_string", "3600"},
                      odd_lifetime_case{"fractional", 3599.5}),
    [](const ::testing::TestParamInfo<odd_lifetime_case>& param_info) {
        return param_info.param.name;
    });

} // namespace
} // namespace kore_gateway::testing
