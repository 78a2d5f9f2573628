// The security side of the OpenAPI document: client authentication and its security schemes,
// the admin endpoints and the circuit breaker's 503.
#include "kore_gateway/gateway/openapi.hpp"

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "unit/gateway/openapi_test_support.hpp"

namespace kore_gateway {
namespace {

using nlohmann::json;
using testing::api_key_auth;
using testing::cached;
using testing::document;
using testing::either_auth;
using testing::jwt_auth;
using testing::no_client_auth;
using testing::row;
using testing::statuses;

route_row with_client_auth(route_row r, std::optional<client_auth_mode> mode,
                           std::vector<std::string> scopes = {}) {
    r.client_auth = mode;
    r.required_scopes = std::move(scopes);
    return r;
}

std::set<std::string> scheme_names(const json& doc) {
    std::set<std::string> names;
    if (doc.at("components").contains("securitySchemes")) {
        for (const auto& [name, scheme] : doc.at("components").at("securitySchemes").items()) {
            names.insert(name);
        }
    }
    return names;
}

TEST(openapi, admin_endpoints_exist_only_when_an_admin_token_is_set) {
    const auto without = document({});
    EXPECT_FALSE(without.at("paths").contains("/admin/cache/purge"));
    EXPECT_FALSE(without.at("components").contains("securitySchemes"));

    const auto doc = document({}, {.admin_enabled = true});
    const auto& purge = doc.at("paths").at("/admin/cache/purge").at("post");
    EXPECT_EQ(statuses(purge), (std::set<std::string>{"200", "400", "401", "431"}));
    EXPECT_EQ(purge.at("responses").at("200").at("content").at("application/json").at("schema"),
              json::parse(R"({"type": "object", "required": ["purged"],
                  "properties": {"purged": {"type": "integer", "minimum": 0}}})"));
    EXPECT_TRUE(purge.at("responses").at("401").at("headers").contains("WWW-Authenticate"));
    const auto bearer = json::parse(R"([{"bearerAuth": []}])");
    EXPECT_EQ(purge.at("security"), bearer);
    EXPECT_EQ(doc.at("paths").at("/healthz").at("get").at("security"), json::array());
    EXPECT_EQ(doc.at("components").at("securitySchemes").at("bearerAuth"),
              json::parse(R"({"type": "http", "scheme": "bearer",
                  "description": "The admin token (GATEWAY_ADMIN_TOKEN)."})"));
}

TEST(openapi, a_routes_security_is_its_effective_client_auth_mode) {
    struct expectation {
        std::string name;
        client_auth_mode default_mode;
        std::optional<client_auth_mode> route_mode;
        std::vector<std::string> scopes;
        std::string security;
    };
    const std::vector<expectation> table{
        {"no client auth", no_client_auth, std::nullopt, {}, "[]"},
        {"api keys", api_key_auth, std::nullopt, {}, R"([{"apiKey": []}])"},
        {"jwt without scopes", jwt_auth, std::nullopt, {}, R"([{"jwt": []}])"},
        {"jwt with scopes",
         jwt_auth,
         std::nullopt,
         {"deals.read", "deals.write"},
         R"([{"jwt": ["deals.read", "deals.write"]}])"},
        {"either",
         either_auth,
         std::nullopt,
         {"deals.read"},
         R"([{"apiKey": []}, {"jwt": ["deals.read"]}])"},
        {"route needs none though the default is jwt", jwt_auth, no_client_auth, {}, "[]"},
        {"route needs jwt though the default is none",
         no_client_auth,
         jwt_auth,
         {"x"},
         R"([{"jwt": ["x"]}])"},
        {"route needs a key though the default is either",
         either_auth,
         api_key_auth,
         {},
         R"([{"apiKey": []}])"},
    };
    for (const auto& entry : table) {
        SCOPED_TRACE(entry.name);
        const auto doc = document(
            {with_client_auth(row("a", http::verb::get, "/a"), entry.route_mode, entry.scopes)},
            {.client_auth = entry.default_mode});
        const auto expected = json::parse(entry.security);
        EXPECT_EQ(doc.at("paths").at("/a").at("get").at("security"), expected);
        EXPECT_EQ(doc.at("paths").at("/a").at("head").at("security"), expected);
    }
}

TEST(openapi, security_schemes_are_defined_only_when_an_operation_uses_them) {
    struct expectation {
        std::string name;
        openapi_inputs inputs;
        std::optional<client_auth_mode> route_mode;
        std::set<std::string> schemes;
    };
    const std::vector<expectation> table{
        {"nothing", {}, std::nullopt, {}},
        {"admin only", {.admin_enabled = true}, std::nullopt, {"bearerAuth"}},
        {"api keys by default", {.client_auth = api_key_auth}, std::nullopt, {"apiKey"}},
        {"jwt by default", {.client_auth = jwt_auth}, std::nullopt, {"jwt"}},
        {"either, and admin",
         {.admin_enabled = true, .client_auth = either_auth},
         std::nullopt,
         {"bearerAuth", "apiKey", "jwt"}},
        {"jwt on a route only", {}, jwt_auth, {"jwt"}},
        // The only route overrides the default, and /metrics does not follow it.
        {"default used nowhere",
         {.client_auth = either_auth, .metrics_auth = false},
         no_client_auth,
         {}},
        // /metrics alone still uses the default.
        {"default used by /metrics", {.client_auth = api_key_auth}, no_client_auth, {"apiKey"}},
    };
    for (const auto& entry : table) {
        SCOPED_TRACE(entry.name);
        const auto doc = document(
            {with_client_auth(row("a", http::verb::get, "/a"), entry.route_mode)}, entry.inputs);
        EXPECT_EQ(scheme_names(doc), entry.schemes);
    }

    const auto doc = document({}, {.admin_enabled = true, .client_auth = either_auth});
    const auto& schemes = doc.at("components").at("securitySchemes");
    EXPECT_EQ(schemes.at("apiKey"), json::parse(R"({"type": "http", "scheme": "bearer",
                  "description": "An API key of the file's clients, sent as a bearer token."})"));
    EXPECT_EQ(schemes.at("jwt").at("type"), "http");
    EXPECT_EQ(schemes.at("jwt").at("scheme"), "bearer");
    EXPECT_EQ(schemes.at("jwt").at("bearerFormat"), "JWT");
}

TEST(openapi, routes_with_client_auth_document_401_403_and_the_clients_own_429) {
    struct expectation {
        std::string name;
        client_auth_mode mode;
        std::set<std::string> statuses;
    };
    const std::vector<expectation> table{
        {"none", no_client_auth, {"200", "400", "431", "502", "504"}},
        {"api keys", api_key_auth, {"200", "400", "401", "403", "429", "431", "502", "504"}},
        // A JWT-only route answers 503 not_ready while no JWKS was ever fetched.
        {"jwt", jwt_auth, {"200", "400", "401", "403", "429", "431", "502", "503", "504"}},
        {"either", either_auth, {"200", "400", "401", "403", "429", "431", "502", "504"}},
    };
    for (const auto& entry : table) {
        SCOPED_TRACE(entry.name);
        const auto doc = document({row("a", http::verb::get, "/a")}, {.client_auth = entry.mode});
        const auto& get = doc.at("paths").at("/a").at("get");
        EXPECT_EQ(statuses(get), entry.statuses);
        if (!entry.mode.required()) {
            continue;
        }
        const auto& responses = get.at("responses");
        EXPECT_TRUE(responses.at("401").at("headers").contains("WWW-Authenticate"));
        EXPECT_NE(responses.at("401").at("description").get<std::string>().find("unauthorized"),
                  std::string::npos);
        EXPECT_NE(responses.at("403").at("description").get<std::string>().find("forbidden"),
                  std::string::npos);
        EXPECT_TRUE(responses.at("429").at("headers").contains("Retry-After"));
        EXPECT_EQ(responses.at("401").at("content").at("application/json").at("schema"),
                  json::parse(R"({"$ref": "#/components/schemas/error"})"));
        EXPECT_TRUE(doc.at("components").at("headers").contains("WWW-Authenticate"));
    }
}

TEST(openapi, the_gateways_own_endpoints_never_need_client_credentials) {
    const auto doc = document({}, {.admin_enabled = true, .client_auth = either_auth});
    for (const auto* path : {"/healthz", "/readyz", "/openapi.json"}) {
        const auto& get = doc.at("paths").at(path).at("get");
        EXPECT_EQ(get.at("security"), json::array()) << path;
        EXPECT_FALSE(get.at("responses").contains("401")) << path;
    }
    for (const auto* path : {"/admin/cache/purge", "/admin/reload"}) {
        EXPECT_EQ(doc.at("paths").at(path).at("post").at("security"),
                  json::parse(R"([{"bearerAuth": []}])"))
            << path;
    }
}

TEST(openapi, metrics_follows_the_default_client_auth_unless_metrics_auth_is_off) {
    struct expectation {
        std::string name;
        client_auth_mode mode;
        bool metrics_auth;
        std::string security;
        std::set<std::string> statuses;
    };
    const std::vector<expectation> table{
        {"client auth off", no_client_auth, true, "[]", {"200", "400", "431"}},
        {"api keys",
         api_key_auth,
         true,
         R"([{"apiKey": []}])",
         {"200", "400", "401", "429", "431"}},
        {"either",
         either_auth,
         true,
         R"([{"apiKey": []}, {"jwt": []}])",
         {"200", "400", "401", "429", "431"}},
        {"metrics_auth none", either_auth, false, "[]", {"200", "400", "431"}},
    };
    for (const auto& entry : table) {
        SCOPED_TRACE(entry.name);
        const auto doc =
            document({}, {.client_auth = entry.mode, .metrics_auth = entry.metrics_auth});
        const auto& metrics = doc.at("paths").at("/metrics").at("get");
        EXPECT_EQ(metrics.at("security"), json::parse(entry.security));
        EXPECT_EQ(statuses(metrics), entry.statuses);
    }
}

TEST(openapi, reload_exists_only_when_an_admin_token_is_set) {
    EXPECT_FALSE(document({}).at("paths").contains("/admin/reload"));

    const auto doc = document({}, {.admin_enabled = true});
    const auto& reload = doc.at("paths").at("/admin/reload").at("post");
    EXPECT_EQ(reload.at("operationId"), "admin_reload");
    EXPECT_EQ(statuses(reload), (std::set<std::string>{"200", "400", "401", "431"}));
    const auto& schema =
        reload.at("responses").at("200").at("content").at("application/json").at("schema");
    EXPECT_EQ(schema.at("type"), "object");
    EXPECT_EQ(schema.at("required"), json::parse(R"(["reloaded"])"));
    EXPECT_EQ(schema.at("properties").at("reloaded").at("type"), "boolean");
    // The refused reload's reason is in the error shape.
    EXPECT_EQ(reload.at("responses").at("400").at("content").at("application/json").at("schema"),
              json::parse(R"({"$ref": "#/components/schemas/error"})"));
    EXPECT_NE(
        reload.at("responses").at("400").at("description").get<std::string>().find("configuration"),
        std::string::npos);
    EXPECT_TRUE(reload.at("responses").at("401").at("headers").contains("WWW-Authenticate"));
}

TEST(openapi, upstream_routes_answer_503_with_retry_after_only_behind_a_circuit_breaker) {
    const auto retry_after = json{{"$ref", "#/components/headers/Retry-After"}};
    for (const bool breaker : {false, true}) {
        SCOPED_TRACE(breaker ? "circuit breaker" : "no circuit breaker");
        const auto doc =
            document({cached(row("a", http::verb::get, "/a")), row("b", http::verb::put, "/b"),
                      with_client_auth(row("c", http::verb::get, "/c"), jwt_auth)},
                     {.circuit_breaker = breaker});
        for (const auto& [path, method] : std::vector<std::pair<std::string, std::string>>{
                 {"/a", "get"}, {"/a", "head"}, {"/b", "put"}, {"/c", "get"}}) {
            SCOPED_TRACE(method + " " + path);
            const auto& responses = doc.at("paths").at(path).at(method).at("responses");
            // /c is JWT-only: its 503 not_ready has no Retry-After.
            EXPECT_EQ(responses.contains("503"), breaker || path == "/c");
            if (responses.contains("503")) {
                EXPECT_EQ(responses.at("503").at("headers").contains("Retry-After"), breaker);
            }
            if (breaker) {
                EXPECT_EQ(responses.at("503").at("headers").at("Retry-After"), retry_after);
                EXPECT_NE(responses.at("503")
                              .at("description")
                              .get<std::string>()
                              .find("upstream_unavailable"),
                          std::string::npos);
            }
        }
        // The gateway's own endpoints have no circuit.
        EXPECT_FALSE(doc.at("paths").at("/healthz").at("get").at("responses").contains("503"));
    }
    const auto doc = document({row("a", http::verb::get, "/a")}, {.circuit_breaker = true});
    EXPECT_EQ(doc.at("components").at("headers").at("Retry-After").at("schema"),
              json::parse(R"({"type": "integer", "minimum": 1})"));
}

} // namespace
} // namespace kore_gateway
