// The "upstreams" part of the configuration (CONTRACT.md section 10): the named list, its fields,
// the older kore/catalog sections, the <NAME>_* variables and their errors.
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kore_gateway/config/config_loader.hpp"
#include "unit/config/config_test_support.hpp"

namespace kore_gateway {
namespace {

using namespace std::chrono_literals;
using testing::env_map;
using testing::error_of;
using testing::load;

// Secret values chosen so that any leak into a message is easy to spot.
const std::string billing_key = "BILLING-KEY-S3CRET";
const std::string billing_secret = "BILLING-CLIENT-S3CRET";

// A billing upstream with a token, as most cases need it.
std::string billing(const std::string& extra_fields = "", const std::string& extra_auth = "") {
    return R"({"upstreams": {"billing": {"url": "https://billing.test/api", "auth": {
        "token_url": "https://auth.billing.test/token", "client_id": "bid",
        "client_secret": ")" +
           billing_secret + "\"" + extra_auth + "}" + extra_fields + "}}}";
}

TEST(upstreams_config, reads_every_field_of_an_entry) {
    const auto c = load(R"({"upstreams": {"billing": {
        "url": "https://billing.test/api/v2", "api_key": "bk", "api_key_header": "X-Billing-Key",
        "api_version": "7", "timeout_ms": 2500, "pool_size": 8,
        "auth": {"token_url": "https://auth.billing.test/oauth/token", "client_id": "bid",
                 "client_secret": "bs", "scope": "read write", "audience": "https://billing.test",
                 "resource": "urn:billing", "client_auth": "basic"}}}})");
    const auto* up = c.find_upstream("billing");
    ASSERT_NE(up, nullptr);
    EXPECT_EQ(up->name, "billing");
    EXPECT_EQ(up->base_url.origin(), "https://billing.test:443");
    EXPECT_EQ(up->base_url.path, "/api/v2");
    EXPECT_EQ(up->api_key, "bk");
    EXPECT_EQ(up->api_key_header, "X-Billing-Key");
    EXPECT_EQ(up->api_version, "7");
    EXPECT_EQ(up->timeout, 2500ms);
    EXPECT_EQ(up->pool_size, 8U);
    ASSERT_TRUE(up->auth);
    EXPECT_EQ(up->auth->token_url.host, "auth.billing.test");
    EXPECT_EQ(up->auth->token_url.path, "/oauth/token");
    EXPECT_EQ(up->auth->client_id, "bid");
    EXPECT_EQ(up->auth->client_secret, "bs");
    EXPECT_EQ(up->auth->scope, "read write");
    EXPECT_EQ(up->auth->audience, "https://billing.test");
    EXPECT_EQ(up->auth->resource, "urn:billing");
    EXPECT_EQ(up->auth->client_auth, client_auth_method::basic);
}

TEST(upstreams_config, an_entry_defaults_to_no_token_the_key_header_and_the_global_limits) {
    const auto c = load(R"({"upstreams": {"billing": {"url": "https://billing.test"}}})");
    const auto* up = c.find_upstream("billing");
    ASSERT_NE(up, nullptr);
    EXPECT_EQ(up->api_key, "");
    EXPECT_EQ(up->api_key_header, "X-Api-Key");
    EXPECT_EQ(up->api_version, "");
    EXPECT_FALSE(up->auth);
    EXPECT_FALSE(up->timeout);
    EXPECT_FALSE(up->pool_size);

    const auto config = load(billing());
    const auto* with_token = config.find_upstream("billing");
    ASSERT_TRUE(with_token->auth);
    EXPECT_EQ(with_token->auth->scope, ""); // no scope parameter: only kore has a default
    EXPECT_EQ(with_token->auth->audience, "");
    EXPECT_EQ(with_token->auth->resource, "");
    EXPECT_EQ(with_token->auth->client_auth, client_auth_method::body);
}

TEST(upstreams_config, lists_configured_upstreams_by_name_and_declares_every_name) {
    const auto c = load(R"({"upstreams": {"zeta": {"url": "https://z.test"}, "alpha": {},
                                          "mid_2": {"url": "https://m.test"}}})",
                        {{"CATALOG_API_URL", "https://catalog.test"}});
    std::vector<std::string> names;
    for (const auto& up : c.upstreams) {
        names.push_back(up.name);
    }
    EXPECT_EQ(names, (std::vector<std::string>{"catalog", "mid_2", "zeta"}));
    EXPECT_EQ(c.upstream_names,
              (std::set<std::string, std::less<>>{"alpha", "catalog", "kore", "mid_2", "zeta"}));
    EXPECT_EQ(c.find_upstream("alpha"), nullptr); // declared, no URL: its routes answer 502
    EXPECT_EQ(c.find_upstream("kore"), nullptr);
    EXPECT_EQ(c.find_upstream("nope"), nullptr);

    const auto none = load("{}");
    EXPECT_TRUE(none.upstreams.empty());
    EXPECT_EQ(none.upstream_names, (std::set<std::string, std::less<>>{"catalog", "kore"}));
}

TEST(upstreams_config, kore_and_catalog_entries_equal_the_older_sections) {
    const auto old_form = load(R"({
        "kore": {"url": "https://kore.test", "api_key": "kk", "api_version": "2",
                 "auth_url": "https://auth.kore.test/t", "client_id": "kid",
                 "client_secret": "ks", "scope": "s"},
        "catalog": {"url": "https://catalog.test", "auth_url": "https://auth.catalog.test/t",
                    "client_id": "cid", "client_secret": "cs"}})");
    const auto new_form = load(R"({"upstreams": {
        "kore": {"url": "https://kore.test", "api_key": "kk", "api_version": "2",
                 "auth": {"token_url": "https://auth.kore.test/t", "client_id": "kid",
                          "client_secret": "ks", "scope": "s"}},
        "catalog": {"url": "https://catalog.test", "auth": {"token_url":
                    "https://auth.catalog.test/t", "client_id": "cid", "client_secret": "cs"}}}})");
    for (const std::string name : {"kore", "catalog"}) {
        SCOPED_TRACE(name);
        const auto* a = old_form.find_upstream(name);
        const auto* b = new_form.find_upstream(name);
        ASSERT_TRUE(a && b && a->auth && b->auth);
        EXPECT_EQ(a->base_url.origin(), b->base_url.origin());
        EXPECT_EQ(a->api_key, b->api_key);
        EXPECT_EQ(a->api_version, b->api_version);
        EXPECT_EQ(a->auth->token_url.origin() + a->auth->token_url.path,
                  b->auth->token_url.origin() + b->auth->token_url.path);
        EXPECT_EQ(a->auth->client_id, b->auth->client_id);
        EXPECT_EQ(a->auth->client_secret, b->auth->client_secret);
        EXPECT_EQ(a->auth->scope, b->auth->scope);
    }
    // kore's defaults hold in the new form too.
    const auto defaults = load(R"({"upstreams": {"kore": {"url": "https://kore.test",
        "api_key": "k", "auth": {"client_id": "i", "client_secret": "s"}}}})");
    EXPECT_EQ(defaults.find_upstream("kore")->auth->token_url.host, "koreauth.koresoftware.com");
    EXPECT_EQ(defaults.find_upstream("kore")->auth->scope, "pss-api");
}

TEST(upstreams_config, both_forms_of_one_upstream_is_an_error_naming_both) {
    EXPECT_EQ(error_of(R"({"upstreams": {"kore": {}}, "kore": {}})"),
              "upstream 'kore' is configured twice, by key 'kore' and by key 'upstreams.kore': "
              "keep one");
    EXPECT_EQ(error_of(R"({"catalog": {"url": "https://c.test"},
                           "upstreams": {"catalog": {"url": "https://c.test"}}})"),
              "upstream 'catalog' is configured twice, by key 'catalog' and by key "
              "'upstreams.catalog': keep one");
}

TEST(upstreams_config, environment_overrides_every_field_of_a_declared_upstream) {
    const struct {
        std::string variable;
        std::string value;
        std::function<void(const upstream_config&)> check;
    } cases[] = {
        {"BILLING_API_URL", "https://other.test:8443/x",
         [](const auto& u) {
             EXPECT_EQ(u.base_url.origin() + u.base_url.path, "https://other.test:8443/x");
         }},
        {"BILLING_API_KEY", "k2", [](const auto& u) { EXPECT_EQ(u.api_key, "k2"); }},
        {"BILLING_API_VERSION", "9", [](const auto& u) { EXPECT_EQ(u.api_version, "9"); }},
        {"BILLING_AUTH_URL", "https://auth2.test/t",
         [](const auto& u) { EXPECT_EQ(u.auth->token_url.host, "auth2.test"); }},
        {"BILLING_CLIENT_ID", "id2", [](const auto& u) { EXPECT_EQ(u.auth->client_id, "id2"); }},
        {"BILLING_CLIENT_SECRET", "s2",
         [](const auto& u) { EXPECT_EQ(u.auth->client_secret, "s2"); }},
        {"BILLING_SCOPE", "sc", [](const auto& u) { EXPECT_EQ(u.auth->scope, "sc"); }},
        {"BILLING_AUDIENCE", "aud", [](const auto& u) { EXPECT_EQ(u.auth->audience, "aud"); }},
    };
    for (const auto& test : cases) {
        SCOPED_TRACE(test.variable);
        const auto c = load(billing(), {{test.variable, test.value}});
        ASSERT_NE(c.find_upstream("billing"), nullptr);
        ASSERT_TRUE(c.find_upstream("billing")->auth);
        test.check(*c.find_upstream("billing"));
    }
    // A declared upstream may get everything from the environment; '_' stays in the name.
    const auto c = load(R"({"upstreams": {"my_api": {}}})", {{"MY_API_API_URL", "https://my.test"},
                                                             {"MY_API_AUTH_URL", "https://a.test"},
                                                             {"MY_API_CLIENT_ID", "i"},
                                                             {"MY_API_CLIENT_SECRET", "s"}});
    ASSERT_NE(c.find_upstream("my_api"), nullptr);
    EXPECT_EQ(c.find_upstream("my_api")->auth->client_secret, "s");
}

TEST(upstreams_config, environment_of_an_undeclared_upstream_is_not_read) {
    const auto c = load("{}", {{"FOO_API_URL", "https://foo.test"}, {"FOO_API_KEY", "x"}});
    EXPECT_TRUE(c.upstreams.empty());
    EXPECT_FALSE(c.upstream_names.contains("foo"));
}

TEST(upstreams_config, catalog_api_version_and_kore_audience_variables_exist) {
    const auto c = load("{}", {{"CATALOG_API_URL", "https://catalog.test"},
                               {"CATALOG_API_VERSION", "3"},
                               {"KORE_API_URL", "https://kore.test"},
                               {"KORE_API_KEY", "k"},
                               {"KORE_CLIENT_ID", "i"},
                               {"KORE_CLIENT_SECRET", "s"},
                               {"KORE_AUDIENCE", "pss"}});
    EXPECT_EQ(c.find_upstream("catalog")->api_version, "3");
    EXPECT_EQ(c.find_upstream("kore")->auth->audience, "pss");
}

TEST(upstreams_config, unknown_fields_are_named_with_their_path) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {billing("", R"(, "foo": 1)"), "unknown key 'upstreams.billing.auth.foo'"},
        {billing(R"(, "urll": "x")"), "unknown key 'upstreams.billing.urll'"},
        {billing(R"(, "client_id": "x")"), "unknown key 'upstreams.billing.client_id'"},
        {billing("", R"(, "auth_url": "x")"), "unknown key 'upstreams.billing.auth.auth_url'"},
        {billing(R"(, "auth.scope": "x")"), "unknown key 'upstreams.billing.auth.scope'"},
        {R"({"kore": {"audience": "a"}})", "unknown key 'kore.audience'"},
        {R"({"catalog": {"auth": {}}})", "unknown key 'catalog.auth'"},
    };
    for (const auto& [text, expected] : cases) {
        EXPECT_EQ(error_of(text), expected) << text;
    }
}

TEST(upstreams_config, bad_values_name_the_key) {
    const std::string bad_name = ": an upstream name must match [a-z][a-z0-9_]{0,31}";
    const std::vector<std::pair<std::string, std::string>> cases{
        {R"({"upstreams": []})", "key 'upstreams' must be an object"},
        {R"({"upstreams": {"billing": "https://b.test"}})",
         "key 'upstreams.billing' must be an object"},
        {R"({"upstreams": {"billing": {"auth": "x"}}})",
         "key 'upstreams.billing.auth' must be an object"},
        {R"({"upstreams": {"billing": {"url": 5}}})",
         "key 'upstreams.billing.url' must be a string"},
        {R"({"upstreams": {"billing": {"timeout_ms": "5"}}})",
         "key 'upstreams.billing.timeout_ms' must be an integer"},
        {R"({"upstreams": {"billing": {"timeout_ms": 0}}})",
         "key 'upstreams.billing.timeout_ms': '0' is out of range 1..3600000"},
        {R"({"upstreams": {"billing": {"timeout_ms": 3600001}}})",
         "key 'upstreams.billing.timeout_ms': '3600001' is out of range 1..3600000"},
        {R"({"upstreams": {"billing": {"pool_size": 0}}})",
         "key 'upstreams.billing.pool_size': '0' is out of range 1..4096"},
        {R"({"upstreams": {"billing": {"pool_size": 4097}}})",
         "key 'upstreams.billing.pool_size': '4097' is out of range 1..4096"},
        {R"({"upstreams": {"billing": {"auth": {"client_auth": "digest"}}}})",
         "key 'upstreams.billing.auth.client_auth': 'digest' is not one of body, basic"},
        {R"({"upstreams": {"Billing": {}}})", "key 'upstreams.Billing'" + bad_name},
        {R"({"upstreams": {"1api": {}}})", "key 'upstreams.1api'" + bad_name},
        {R"({"upstreams": {"a-b": {}}})", "key 'upstreams.a-b'" + bad_name},
        {R"({"upstreams": {"": {}}})", "key 'upstreams.'" + bad_name},
        {R"({"upstreams": {"a23456789012345678901234567890123": {}}})",
         "key 'upstreams.a23456789012345678901234567890123'" + bad_name},
    };
    for (const auto& [text, expected] : cases) {
        EXPECT_EQ(error_of(text), expected) << text;
    }
    // The longest name is 32 characters.
    EXPECT_NO_THROW(load(R"({"upstreams": {"a2345678901234567890123456789012": {}}})"));
}

TEST(upstreams_config, a_token_url_needs_the_client_id_and_secret) {
    const std::string text = R"({"upstreams": {"billing": {"url": "https://b.test",
        "auth": {"token_url": "https://a.test/t", "client_id": "i"}}}})";
    EXPECT_EQ(error_of(text), "BILLING_CLIENT_SECRET (or config key "
                              "'upstreams.billing.auth.client_secret') is required when upstream "
                              "'billing' has a token URL");
    EXPECT_NO_THROW(load(text, {{"BILLING_CLIENT_SECRET", "s"}}));
    // kore declared in the new form is named in the new form.
    EXPECT_EQ(error_of(R"({"upstreams": {"kore": {"url": "https://kore.test",
                           "auth": {"client_id": "i", "client_secret": "s"}}}})"),
              "KORE_API_KEY (or config key 'upstreams.kore.api_key') is required when the KORE "
              "upstream is configured");
}

TEST(upstreams_config, api_key_header_must_be_a_header_the_gateway_leaves_alone) {
    for (const std::string accepted : {"X-Billing-Key", "apikey", "Ocp-Apim-Subscription-Key"}) {
        const auto c = load(billing(R"(, "api_key_header": ")" + accepted + "\""));
        EXPECT_EQ(c.find_upstream("billing")->api_key_header, accepted);
    }
    const std::string where = "key 'upstreams.billing.api_key_header': '";
    for (const std::string reserved :
         {"Authorization", "content-type", "Content-Length", "ACCEPT", "X-Request-Id", "Host",
          "X-Api-Version", "User-Agent", "Connection", "Keep-Alive", "Proxy-Authorization", "TE",
          "Trailer", "Transfer-Encoding", "Upgrade", "Cookie", "traceparent", "tracestate"}) {
        EXPECT_EQ(error_of(billing(R"(, "api_key_header": ")" + reserved + "\"")),
                  where + reserved + "' is a header the gateway sets itself or never forwards");
    }
    for (const std::string invalid : {"", "X Key", "X-Key:", "X\\u00e9"}) {
        const auto message = error_of(billing(R"(, "api_key_header": ")" + invalid + "\""));
        EXPECT_TRUE(message.starts_with(where)) << message;
        EXPECT_TRUE(message.ends_with("' is not a header name")) << message;
    }
}

TEST(upstreams_config, key_and_version_refuse_control_characters_without_echoing_them) {
    EXPECT_EQ(error_of(billing(), {{"BILLING_API_KEY", billing_key + "\r\nX-Evil: 1"}}),
              "BILLING_API_KEY must not contain control characters");
    EXPECT_EQ(error_of(billing(R"(, "api_version": "1\n")")),
              "key 'upstreams.billing.api_version' must not contain control characters");
}

TEST(upstreams_config, insecure_urls_are_refused_unless_allowed) {
    const std::string hint = " (set GATEWAY_ALLOW_INSECURE_UPSTREAM=1 to allow it in development)";
    for (const std::string variable : {"BILLING_API_URL", "BILLING_AUTH_URL"}) {
        const env_map env{{variable, "http://b.test"}};
        EXPECT_EQ(error_of(billing(), env), "insecure upstream URL http://b.test" + hint);
        auto allowed = env;
        allowed["GATEWAY_ALLOW_INSECURE_UPSTREAM"] = "1";
        EXPECT_NE(load(billing(), allowed).find_upstream("billing"), nullptr);
    }
}

TEST(upstreams_config, secrets_never_appear_in_error_messages) {
    const std::vector<std::pair<std::string, env_map>> failures{
        {R"({"upstreams": {"billing": {"api_key": [")" + billing_key + R"("]}}})", {}},
        {R"({"upstreams": {"billing": {"auth": {"client_secret": {"v": ")" + billing_secret +
             R"("}}}}})",
         {}},
        {billing(R"(, "api_key": ")" + billing_key + R"(", "api_kee": 1)"), {}},
        {billing(R"(, "api_key_header": "Host", "api_key": ")" + billing_key + "\""), {}},
        {billing(), {{"BILLING_API_KEY", billing_key + "\n"}}},
        {R"({"upstreams": {"billing": {"url": "https://b.test", "auth": {"token_url":
             "https://a.test", "client_secret": ")" +
             billing_secret + R"("}}}})",
         {{"BILLING_API_KEY", billing_key}}},
    };
    for (const auto& [text, env] : failures) {
        const auto message = error_of(text, env);
        EXPECT_EQ(message.find(billing_key), std::string::npos) << message;
        EXPECT_EQ(message.find(billing_secret), std::string::npos) << message;
    }
}

TEST(upstreams_config, keeps_the_routes_as_written) {
    EXPECT_TRUE(load("{}").routes_source.is_null());
    const auto routes = nlohmann::json::parse(R"([{"name": "x", "method": "GET", "path": "/x",
        "upstream": "kore", "upstream_path": "/y"}])");
    const auto c = load(R"({"routes": )" + routes.dump() + "}");
    EXPECT_EQ(c.routes_source, routes);
}

// --check-config reports every route problem at once, one per line (CONTRACT.md section 10).
TEST(upstreams_config, a_bad_route_is_a_config_error_listing_every_problem) {
    try {
        load(R"({"routes": [{"name": "x", "anything": {"goes": true}}]})");
        FAIL() << "a route without its required fields was accepted";
    } catch (const config_error& e) {
        const std::string message = e.what();
        for (const char* part :
             {"routes[0] 'x': field 'anything': unknown field", "field 'method': is required",
              "field 'path': is required", "field 'upstream': is required",
              "field 'upstream_path': is required"}) {
            EXPECT_NE(message.find(part), std::string::npos) << part << " in " << message;
        }
    }
}

TEST(gateway_config, set_upstream_keeps_the_list_sorted_and_replaces_by_name) {
    gateway_config c;
    for (const std::string name : {"kore", "billing", "zeta", "billing"}) {
        upstream_config up;
        up.name = name;
        up.api_key = name + "-key";
        c.set_upstream(std::move(up));
    }
    ASSERT_EQ(c.upstreams.size(), 3U);
    EXPECT_EQ(c.upstreams[0].name, "billing");
    EXPECT_EQ(c.upstreams[1].name, "kore");
    EXPECT_EQ(c.upstreams[2].name, "zeta");
    EXPECT_TRUE(c.upstream_names.contains("zeta"));
    c.find_upstream("kore")->api_key = "changed";
    EXPECT_EQ(std::as_const(c).find_upstream("kore")->api_key, "changed");
}

} // namespace
} // namespace kore_gateway
