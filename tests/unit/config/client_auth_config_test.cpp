// Client authentication in the configuration (CONTRACT.md section 17): client_auth, the "jwt"
// settings, "clients", metrics_auth, the routes' client_auth and required_scopes, and the checks
// across them.
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kore_gateway/config/config_checks.hpp"
#include "kore_gateway/config/route_table.hpp"
#include "kore_gateway/util/sha256.hpp"
#include "unit/config/config_test_support.hpp"

namespace kore_gateway {
namespace {

using namespace std::chrono_literals;
using testing::env_map;
using testing::error_of;
using testing::load;

// Hashes of made-up keys; a message that shows one (in any case) leaks it.
const std::string web_hash = sha256_hex("web-key");
const std::string app_hash = sha256_hex("app-key");

std::string upper(std::string text) {
    for (auto& c : text) {
        c = c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    }
    return text;
}

const env_map jwt_env{{"GATEWAY_JWT_JWKS_URL", "https://idp.test/jwks.json"},
                      {"GATEWAY_JWT_ISSUER", "https://idp.test/"},
                      {"GATEWAY_JWT_AUDIENCE", "kore-gateway"}};

std::string client(const std::string& id, const std::string& hash, const std::string& extra = "") {
    return R"({"id": ")" + id + R"(", "key_sha256": ")" + hash + "\"" +
           (extra.empty() ? "" : ", " + extra) + "}";
}

std::string with_clients(const std::string& entries, const std::string& extra = "") {
    return R"({"clients": [)" + entries + "]" + (extra.empty() ? "" : ", " + extra) + "}";
}

// A config with one route of the kore upstream carrying extra fields.
std::string with_route(const std::string& fields, const std::string& extra = "") {
    return R"({"routes": [{"name": "crm_item", "method": "GET", "path": "/crm/items/{itemId}",
               "upstream": "kore", "upstream_path": "/v2/items/{itemId}", )" +
           fields + "}]" + (extra.empty() ? "" : ", " + extra) + "}";
}

void expect_parts(const std::string& message, const std::vector<std::string>& parts,
                  const std::string& context) {
    for (const auto& part : parts) {
        EXPECT_NE(message.find(part), std::string::npos)
            << context << ": '" << part << "' not in: " << message;
    }
}

TEST(client_auth_config, every_accepted_mode_spelling_parses) {
    const std::vector<std::pair<std::string, client_auth_mode>> cases{
        {"none", {}},
        {" none ", {}},
        {"api_key", {.api_key = true}},
        {"jwt", {.jwt = true}},
        {"api_key,jwt", {.api_key = true, .jwt = true}},
        {"jwt,api_key", {.api_key = true, .jwt = true}},
        {"jwt , api_key", {.api_key = true, .jwt = true}},
        {"\tapi_key ,  jwt ", {.api_key = true, .jwt = true}},
    };
    for (const auto& [text, mode] : cases) {
        EXPECT_EQ(parse_client_auth_mode(text), std::optional(mode)) << "'" << text << "'";
    }
}

TEST(client_auth_config, every_other_mode_spelling_is_refused) {
    for (const std::string text : {"", " ", "None", "NONE", "API_KEY", "basic", "api_key,", ",jwt",
                                   "jwt,,api_key", "jwt,jwt", "api_key, api_key", "none,jwt",
                                   "jwt,none", "api_key jwt", "api_key;jwt", "api_key,jwt,oauth"}) {
        EXPECT_FALSE(parse_client_auth_mode(text)) << "'" << text << "'";
    }
}

TEST(client_auth_config, global_mode_defaults_to_none_and_comes_from_file_or_environment) {
    EXPECT_FALSE(load("{}").client_auth.required());
    EXPECT_EQ(load(R"({"client_auth": "jwt"})", jwt_env).client_auth,
              client_auth_mode{.jwt = true});
    auto env = jwt_env;
    env["GATEWAY_CLIENT_AUTH"] = "jwt , api_key";
    const auto c = load(with_clients(client("web", web_hash), R"("client_auth": "none")"), env);
    EXPECT_EQ(c.client_auth, (client_auth_mode{.api_key = true, .jwt = true}));
}

TEST(client_auth_config, a_refused_global_mode_names_the_key_or_the_variable) {
    expect_parts(error_of(R"({"client_auth": "basic"})"), {"key 'client_auth'", "'basic'"}, "file");
    expect_parts(error_of(R"({"client_auth": ["jwt"]})"), {"key 'client_auth'", "string"}, "type");
    expect_parts(error_of("{}", {{"GATEWAY_CLIENT_AUTH", "jwt,jwt"}}),
                 {"GATEWAY_CLIENT_AUTH", "'jwt,jwt'", "none, api_key, jwt"}, "env");
}

TEST(client_auth_config, jwt_settings_come_from_the_file_object_and_the_environment) {
    const auto c = load(R"({"jwt": {"jwks_url": "https://idp.test/keys", "issuer": "iss",
                                    "audience": "aud", "leeway_s": 5}})");
    ASSERT_TRUE(c.jwt.jwks_url);
    EXPECT_EQ(c.jwt.jwks_url->host, "idp.test");
    EXPECT_EQ(c.jwt.jwks_url->path, "/keys");
    EXPECT_EQ(c.jwt.issuer, "iss");
    EXPECT_EQ(c.jwt.audience, "aud");
    EXPECT_EQ(c.jwt.leeway, 5s);
    EXPECT_TRUE(c.jwt.configured());

    auto env = jwt_env;
    env["GATEWAY_JWT_LEEWAY_S"] = "0";
    const auto from_env = load(R"({"jwt": {"issuer": "file-iss"}})", env);
    EXPECT_EQ(from_env.jwt.issuer, "https://idp.test/");
    EXPECT_EQ(from_env.jwt.audience, "kore-gateway");
    EXPECT_EQ(from_env.jwt.jwks_url->path, "/jwks.json");
    EXPECT_EQ(from_env.jwt.leeway, 0s);

    const auto defaults = load("{}");
    EXPECT_FALSE(defaults.jwt.jwks_url);
    EXPECT_EQ(defaults.jwt.leeway, 60s);
    EXPECT_EQ(load(R"({"jwt": {"leeway_s": 3600}})").jwt.leeway, 3600s);
}

TEST(client_auth_config, a_refused_jwt_setting_names_its_key_or_variable) {
    struct refused {
        std::string text;
        env_map env;
        std::vector<std::string> parts;
    };
    const std::vector<refused> cases{
        {R"({"jwt": "https://idp.test"})", {}, {"key 'jwt'", "object"}},
        {R"({"jwt": {"issuer": "i", "kid": "x"}})", {}, {"unknown key 'jwt.kid'"}},
        {R"({"jwt": {"jwt.issuer": "i"}})", {}, {"unknown key 'jwt.jwt.issuer'"}},
        {R"({"jwt.issuer": "i"})", {}, {"unknown key 'jwt.issuer'"}},
        {R"({"jwt": {"issuer": 7}})", {}, {"key 'jwt.issuer'", "string"}},
        {R"({"jwt": {"leeway_s": 3601}})", {}, {"key 'jwt.leeway_s'", "0..3600"}},
        {R"({"jwt": {"leeway_s": -1}})", {}, {"key 'jwt.leeway_s'", "0..3600"}},
        {R"({"jwt": {"leeway_s": "60"}})", {}, {"key 'jwt.leeway_s'", "integer"}},
        {"{}", {{"GATEWAY_JWT_LEEWAY_S", "1m"}}, {"GATEWAY_JWT_LEEWAY_S", "integer"}},
        {R"({"jwt": {"jwks_url": "idp.test/jwks"}})",
         {},
         {"key 'jwt.jwks_url'", "not a valid URL"}},
        {"{}",
         {{"GATEWAY_JWT_JWKS_URL", "ftp://idp.test/jwks"}},
         {"GATEWAY_JWT_JWKS_URL", "'ftp://idp.test/jwks'", "not a valid URL"}},
        {"{}",
         {{"GATEWAY_JWT_JWKS_URL", "http://idp.test/jwks"}},
         {"insecure JWKS URL http://idp.test/jwks", "GATEWAY_ALLOW_INSECURE_UPSTREAM=1"}},
    };
    for (const auto& c : cases) {
        expect_parts(error_of(c.text, c.env), c.parts, c.text);
    }
}

TEST(client_auth_config, an_http_jwks_url_is_accepted_with_insecure_upstreams_allowed) {
    const auto c = load("{}", {{"GATEWAY_JWT_JWKS_URL", "http://127.0.0.1:9000/jwks"},
                               {"GATEWAY_ALLOW_INSECURE_UPSTREAM", "1"}});
    ASSERT_TRUE(c.jwt.jwks_url);
    EXPECT_FALSE(c.jwt.jwks_url->is_tls());
    EXPECT_EQ(c.jwt.jwks_url->port, 9000);
}

TEST(client_auth_config, jwt_in_use_names_every_missing_setting) {
    struct missing_case {
        std::string text;
        env_map env;
        std::vector<std::string> named;
        std::vector<std::string> not_named;
    };
    const std::vector<missing_case> cases{
        {"{}",
         {{"GATEWAY_CLIENT_AUTH", "jwt"}},
         {"GATEWAY_CLIENT_AUTH", "GATEWAY_JWT_JWKS_URL", "GATEWAY_JWT_ISSUER",
          "GATEWAY_JWT_AUDIENCE"},
         {}},
        {R"({"client_auth": "api_key,jwt", "jwt": {"issuer": "i"}})",
         {},
         {"key 'client_auth'", "GATEWAY_JWT_JWKS_URL", "GATEWAY_JWT_AUDIENCE"},
         {"GATEWAY_JWT_ISSUER"}},
        {with_route(R"("client_auth": "jwt")"),
         {{"GATEWAY_JWT_JWKS_URL", "https://idp.test/jwks"}, {"GATEWAY_JWT_AUDIENCE", "a"}},
         {"route 'crm_item'", "GATEWAY_JWT_ISSUER"},
         {"GATEWAY_JWT_JWKS_URL", "GATEWAY_JWT_AUDIENCE"}},
    };
    for (const auto& c : cases) {
        const auto message = error_of(c.text, c.env);
        expect_parts(message, c.named, c.text);
        for (const auto& name : c.not_named) {
            EXPECT_EQ(message.find(name), std::string::npos) << name << " in: " << message;
        }
    }
    // Settings present while nothing accepts JWTs are no fault.
    EXPECT_NO_THROW(load("{}", {{"GATEWAY_JWT_ISSUER", "i"}}));
    EXPECT_NO_THROW(load(with_route(R"("client_auth": "jwt")"), jwt_env));
}

TEST(client_auth_config, api_keys_as_the_only_credential_need_clients) {
    expect_parts(error_of("{}", {{"GATEWAY_CLIENT_AUTH", "api_key"}}),
                 {"GATEWAY_CLIENT_AUTH", "only API keys", "'clients'"}, "global");
    expect_parts(error_of(with_route(R"("client_auth": "api_key")")),
                 {"route 'crm_item'", "only API keys", "'clients'"}, "route");
    // Either credential accepted: JWTs alone can get in.
    EXPECT_NO_THROW(load(R"({"client_auth": "api_key,jwt"})", jwt_env));
    EXPECT_NO_THROW(load(with_clients(client("web", web_hash), R"("client_auth": "api_key")")));
}

TEST(client_auth_config, clients_are_stored_checked_normalised_and_sorted_by_id) {
    const auto c = load(with_clients(
        client("web", upper(web_hash),
               R"("routes": ["deal", "catalog_products", "deal"], "scopes": ["read", "a:b!"],
                  "rate_limit_rps": 2.5)") +
        ", " + client("App_1.x-y", app_hash)));
    ASSERT_EQ(c.clients.size(), 2U);
    const auto& app = c.clients[0];
    EXPECT_EQ(app.id, "App_1.x-y");
    EXPECT_EQ(app.key_sha256, app_hash);
    EXPECT_FALSE(app.routes);
    EXPECT_TRUE(app.scopes.empty());
    EXPECT_EQ(app.rate_limit_rps, 0);
    const auto& web = c.clients[1];
    EXPECT_EQ(web.id, "web");
    EXPECT_EQ(web.key_sha256, web_hash); // lower-cased
    EXPECT_EQ(web.routes, (std::vector<std::string>{"catalog_products", "deal"}));
    EXPECT_EQ(web.scopes, (std::vector<std::string>{"a:b!", "read"}));
    EXPECT_EQ(web.rate_limit_rps, 2.5);

    EXPECT_TRUE(load(R"({"clients": []})").clients.empty());
    EXPECT_TRUE(
        load(with_clients(client("web", web_hash, R"("scopes": [])"))).clients[0].scopes.empty());
    EXPECT_EQ(load(with_route(R"("cache_ttl_s": 1)",
                              R"("clients": [)" +
                                  client("c", web_hash, R"("routes": ["crm_item"])") + "]"))
                  .clients[0]
                  .routes,
              std::vector<std::string>{"crm_item"});
    EXPECT_EQ(load(with_clients(client(std::string(64, 'a'), web_hash, R"("rate_limit_rps": 1e6)")))
                  .clients[0]
                  .rate_limit_rps,
              1e6);
}

TEST(client_auth_config, a_refused_client_names_its_key_and_never_shows_a_hash) {
    const auto one = [](const std::string& extra) {
        return with_clients(client("web", web_hash, extra));
    };
    const std::vector<std::pair<std::string, std::vector<std::string>>> cases{
        {R"({"clients": {"web": {}}})", {"key 'clients'", "array"}},
        {R"({"clients": ["web"]})", {"key 'clients[0]'", "object"}},
        {with_clients(R"({"key_sha256": ")" + web_hash + "\"}"),
         {"key 'clients[0].id'", "required"}},
        {with_clients(R"({"id": "web"})"), {"key 'clients[0].key_sha256'", "required"}},
        {with_clients(client("web site", web_hash)), {"key 'clients[0].id'", "'web site'"}},
        {with_clients(client(std::string(65, 'a'), web_hash)), {"key 'clients[0].id'"}},
        {with_clients(R"({"id": 1, "key_sha256": ")" + web_hash + "\"}"),
         {"key 'clients[0].id'", "string"}},
        {with_clients(client("web", web_hash.substr(1))),
         {"key 'clients[0].key_sha256'", "64 hex"}},
        {with_clients(client("web", "g" + web_hash.substr(1))), {"key 'clients[0].key_sha256'"}},
        {with_clients(client("web", web_hash) + ", " + client("app", upper(web_hash))),
         {"key 'clients[1].key_sha256'", "clients[0]"}},
        {with_clients(client("web", web_hash) + ", " + client("web", app_hash)),
         {"key 'clients[1].id'", "'web'", "clients[0]"}},
        {one(R"("routes": "deal")"), {"key 'clients[0].routes'", "array"}},
        {one(R"("routes": [])"), {"key 'clients[0].routes'", "at least one route"}},
        {one(R"("routes": ["deal", 3])"), {"key 'clients[0].routes[1]'", "string"}},
        {one(R"("routes": ["deals"])"), {"key 'clients[0].routes[0]'", "'deals'", "not a route"}},
        {with_route(R"("enabled": false)",
                    R"("clients": [)" + client("web", web_hash, R"("routes": ["crm_item"])") + "]"),
         {"key 'clients[0].routes[0]'", "'crm_item'", "not a route"}},
        {one(R"("scopes": ["read write"])"), {"key 'clients[0].scopes[0]'", "scope"}},
        {one(R"("scopes": ["say\"hi"])"), {"key 'clients[0].scopes[0]'", "scope"}},
        {one(R"("scopes": ["back\\slash"])"), {"key 'clients[0].scopes[0]'", "scope"}},
        {one(R"("scopes": [""])"), {"key 'clients[0].scopes[0]'", "scope"}},
        {one(R"("rate_limit_rps": 0)"), {"key 'clients[0].rate_limit_rps'", "> 0"}},
        {one(R"("rate_limit_rps": -1)"), {"key 'clients[0].rate_limit_rps'"}},
        {one(R"("rate_limit_rps": 1000001)"), {"key 'clients[0].rate_limit_rps'", "1000000"}},
        {one(R"("rate_limit_rps": "5")"), {"key 'clients[0].rate_limit_rps'", "number"}},
        {one(R"("key": "web-key")"), {"unknown key 'clients[0].key'"}},
    };
    for (const auto& [text, parts] : cases) {
        const auto message = error_of(text);
        expect_parts(message, parts, text);
        for (const auto& hash : {web_hash, app_hash, upper(web_hash), web_hash.substr(1)}) {
            EXPECT_EQ(message.find(hash), std::string::npos) << "hash shown in: " << message;
        }
    }
}

TEST(client_auth_config, metrics_auth_follows_client_auth_unless_set_to_none_in_the_file) {
    EXPECT_TRUE(load("{}").metrics_auth);
    EXPECT_TRUE(load(R"({"metrics_auth": "client_auth"})").metrics_auth);
    EXPECT_FALSE(load(R"({"metrics_auth": "none"})").metrics_auth);
    EXPECT_TRUE(load("{}", {{"GATEWAY_METRICS_AUTH", "none"}}).metrics_auth); // file only
    expect_parts(error_of(R"({"metrics_auth": "off"})"), {"key 'metrics_auth'", "'off'", "none"},
                 "metrics_auth");
}

TEST(client_auth_config, a_route_reads_client_auth_and_required_scopes) {
    const auto config =
        load(with_route(R"("client_auth": "jwt, api_key", "required_scopes": ["deals:read", "x"])",
                        R"("clients": [)" + client("web", web_hash) + "]"),
             jwt_env);
    const auto table = build_route_table(config);
    const auto* row = table.find("crm_item");
    ASSERT_NE(row, nullptr);
    EXPECT_EQ(row->client_auth, (client_auth_mode{.api_key = true, .jwt = true}));
    EXPECT_EQ(row->required_scopes, (std::vector<std::string>{"deals:read", "x"}));
    const auto* builtin = table.find("deal");
    EXPECT_FALSE(builtin->client_auth);
    EXPECT_TRUE(builtin->required_scopes.empty());
    EXPECT_EQ(build_route_table(load(with_route(R"("client_auth": "none")")))
                  .find("crm_item")
                  ->client_auth,
              client_auth_mode{});
}

TEST(client_auth_config, a_refused_route_field_names_the_route_and_field) {
    const std::vector<std::pair<std::string, std::vector<std::string>>> cases{
        {R"("client_auth": "oauth")", {"field 'client_auth'", "'oauth'", "none, api_key, jwt"}},
        {R"("client_auth": "jwt,jwt")", {"field 'client_auth'", "'jwt,jwt'"}},
        {R"("client_auth": true)", {"field 'client_auth'", "string"}},
        {R"("required_scopes": "read")", {"field 'required_scopes'", "array"}},
        {R"("required_scopes": [])", {"field 'required_scopes'", "at least one"}},
        {R"("required_scopes": [1])", {"field 'required_scopes[0]'", "string"}},
        {R"("required_scopes": ["a b"])", {"field 'required_scopes'", "'a b'", "scope"}},
        {R"("required_scopes": ["read", "read"])",
         {"field 'required_scopes'", "'read' appears twice"}},
    };
    for (const auto& [fields, parts] : cases) {
        auto with_label = parts;
        with_label.insert(with_label.begin(), "routes[0] 'crm_item': ");
        expect_parts(error_of(with_route(fields)), with_label, fields);
    }
}

TEST(client_auth_config, scope_tokens_are_rfc_6749_printable_ascii_without_quote_or_backslash) {
    for (const auto& ok :
         std::vector<std::string>{"read", "a:b/c", "!", "~", "#[]{}", std::string(200, 'x')}) {
        EXPECT_TRUE(is_scope_token(ok)) << ok;
    }
    for (const std::string bad : {"", " ", "a b", "\"", "\\", "tab\t", "\x7f", "é"}) {
        EXPECT_FALSE(is_scope_token(bad)) << bad;
    }
}

} // namespace
} // namespace kore_gateway
