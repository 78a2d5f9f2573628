// Every file of config/examples/ is a valid config that demo mode serves: loaded with the real
// loader, pointed at the fakes by with_demo_upstreams (and, as --demo does, at the demo's identity
// provider for JWTs) and run by the real gateway, each of its routes answers realistic JSON,
// cached routes hit the cache, a write invalidates what it names, the third upstream's token is
// obtained with HTTP Basic and an audience, and client authentication admits the documented demo
// keys and the demo user's token where the file says, and nobody else.
#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kore_gateway/app/demo_mode.hpp"
#include "kore_gateway/config/config_loader.hpp"
#include "kore_gateway/config/route_table.hpp"
#include "kore_gateway/util/url.hpp"
#include "support/eventually.hpp"
#include "support/gateway_with_fakes.hpp"
#include "support/test_client.hpp"

namespace kore_gateway::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::vector<fs::path> example_files() {
    std::vector<fs::path> files;
    for (const auto& entry :
         fs::directory_iterator(fs::path(KORE_SOURCE_DIR) / "config" / "examples")) {
        if (entry.path().extension() == ".json") {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

const env_lookup no_variables = [](const std::string&) { return std::nullopt; };

gateway_config load_example(const fs::path& file) {
    return load_config(file.string(), no_variables);
}

// The JWT settings `kore-gateway --demo --config FILE` runs with: the demo's identity provider,
// whose variables (with_demo_identity) override the file's "jwt" placeholders.
jwt_settings demo_jwt_settings(const fs::path& file, const demo_upstreams& demo) {
    return load_config(file.string(), with_demo_identity(no_variables, demo)).jwt;
}

json body_of(const test_response& res) {
    EXPECT_EQ(res[http::field::content_type], "application/json") << res.body();
    return body_json(res);
}

// GETs target twice: 200 with JSON both times, and for a cached route a MISS then a HIT with the
// same body. Returns the answer.
json get_twice(gateway_with_fakes& gw, const route_row& row, const std::string& target) {
    const auto first = fetch(gw.port(), http::verb::get, target);
    EXPECT_EQ(first.result_int(), 200) << target << ": " << first.body();
    const auto second = fetch(gw.port(), http::verb::get, target);
    EXPECT_EQ(second.result_int(), 200) << target << ": " << second.body();
    EXPECT_EQ(second.body(), first.body()) << target;
    if (row.cache_ttl.count() > 0) {
        EXPECT_EQ(first["X-Cache"], "MISS") << target;
        EXPECT_EQ(second["X-Cache"], "HIT") << target;
    }
    const auto answer = body_of(second);
    EXPECT_FALSE(answer.is_discarded()) << target;
    return answer;
}

// A GET the route refuses with 400 before anything reaches the upstream.
void expect_refused_locally(mock_server& upstream, gateway_with_fakes& gw,
                            const std::string& target) {
    const auto before = upstream.request_count();
    const auto res = fetch(gw.port(), http::verb::get, target);
    EXPECT_EQ(res.result_int(), 400) << target << ": " << res.body();
    EXPECT_EQ(upstream.request_count(), before) << target;
}

const std::string deal_id(sample_premium_deal_id);
const std::string opportunity_id(sample_deal_opportunity_id);

void check_deal_by_id(gateway_with_fakes& gw, const route_table&, const route_row& row) {
    const auto deal = get_twice(gw, row, "/deals/by-id/" + deal_id);
    EXPECT_EQ(deal["premium_deal_id"], deal_id);
    EXPECT_EQ(deal["account_name"], "Capital City Logistics GmbH");
    // The parameter's own pattern: not UUID-ish, not sent.
    expect_refused_locally(gw.kore().server(), gw, "/deals/by-id/deal-5618");
}

void check_deal_update(gateway_with_fakes& gw, const route_table& routes, const route_row&) {
    const auto* deal_row = routes.find("deal");
    ASSERT_NE(deal_row, nullptr);
    ASSERT_NE(routes.find("deal_by_id"), nullptr) << "the write invalidates it";
    ASSERT_GT(deal_row->cache_ttl.count(), 0) << "the example caches deals: deals_ttl_s";
    const auto deal_target = "/deals/" + opportunity_id;
    const auto by_id_target = "/deals/by-id/" + deal_id;
    EXPECT_EQ(get_twice(gw, *deal_row, deal_target)[0]["total_seats"], 12);
    fetch(gw.port(), http::verb::get, by_id_target); // cached by now, whatever ran before
    EXPECT_EQ(fetch(gw.port(), http::verb::get, by_id_target)["X-Cache"], "HIT");

    const auto put =
        fetch(gw.port(), http::verb::put, deal_target, {{"Content-Type", "application/json"}},
              R"({"total_seats": 20, "account_name": "Capital City Freight AG"})");
    ASSERT_EQ(put.result_int(), 200) << put.body();
    EXPECT_EQ(body_of(put)["total_seats"], 20);
    const auto sent = gw.kore().server().requests().back();
    EXPECT_EQ(sent.method, "PUT");
    EXPECT_EQ(sent.target, "/premium-deals/by-opportunity/" + opportunity_id);
    EXPECT_EQ(json::parse(sent.body)["account_name"], "Capital City Freight AG");

    // The write dropped the cached deal (invalidates "deal", bound by opportunityId) and every
    // cached deal_by_id (no parameter shared): both are fetched again and show the change.
    const auto after = fetch(gw.port(), http::verb::get, deal_target);
    ASSERT_EQ(after.result_int(), 200) << after.body();
    EXPECT_EQ(after["X-Cache"], "MISS");
    EXPECT_EQ(body_of(after)[0]["total_seats"], 20);
    EXPECT_EQ(body_of(after)[0]["account_name"], "Capital City Freight AG");
    const auto by_id_after = fetch(gw.port(), http::verb::get, by_id_target);
    EXPECT_EQ(by_id_after["X-Cache"], "MISS");
    EXPECT_EQ(body_of(by_id_after)["total_seats"], 20);

    // The body schema: every failure listed, nothing sent.
    const auto before = gw.kore().server().request_count();
    const auto bad =
        fetch(gw.port(), http::verb::put, deal_target, {{"Content-Type", "application/json"}},
              R"({"total_seats": 0, "seats": 3})");
    EXPECT_EQ(bad.result_int(), 400) << bad.body();
    const auto failures = body_of(bad)["errors"];
    std::vector<std::string> pointers;
    for (const auto& failure : failures) {
        pointers.push_back(failure["pointer"].get<std::string>());
    }
    std::sort(pointers.begin(), pointers.end());
    EXPECT_EQ(pointers, (std::vector<std::string>{"/account_name", "/seats", "/total_seats"}));
    EXPECT_EQ(gw.kore().server().request_count(), before);
}

void check_billing_invoice(gateway_with_fakes& gw, const route_table&, const route_row& row) {
    const auto invoice =
        get_twice(gw, row, "/billing/invoices/" + std::string(sample_invoice_id) + "?expand=lines");
    EXPECT_EQ(invoice["id"], sample_invoice_id);
    EXPECT_FALSE(invoice["lines"].empty());
    EXPECT_FALSE(invoice.contains("payments"));
    const auto sent = gw.billing().server().requests().back();
    EXPECT_EQ(sent.header("x-billing-key"), gw.upstreams().credentials().billing_api_key);

    // The token came from HTTP Basic client authentication with the audience (the fake refuses
    // anything else): the secret in the header, not in the form.
    EXPECT_TRUE(gw.billing_auth().last_authorization().starts_with("Basic "));
    const auto form = gw.billing_auth().last_form();
    const auto audience = form.find("audience");
    ASSERT_NE(audience, form.end());
    EXPECT_EQ(audience->second, gw.upstreams().credentials().billing_audience);
    EXPECT_FALSE(form.contains("client_secret"));
    EXPECT_FALSE(form.contains("client_id"));

    expect_refused_locally(gw.billing().server(), gw,
                           "/billing/invoices/" + std::string(sample_invoice_id) + "?expand=all");
    expect_refused_locally(gw.billing().server(), gw, "/billing/invoices/invoice-417");
}

// The demo keys of client-auth.json (config/examples/README.md lists them; the file holds only
// their SHA-256).
const std::string storefront_key = "demo-storefront-key-3f9a61c2";
const std::string reporting_key = "demo-reporting-key-8d04b7e5";

std::map<std::string, std::string> bearer_header(const std::string& credential) {
    return {{"Authorization", "Bearer " + credential}};
}

// The demo user's JWT, from the demo's plain-HTTP token endpoint, as the browser example gets it.
std::string demo_user_token(gateway_with_fakes& gw) {
    const auto endpoint = parse_url(gw.upstreams().demo_token_url());
    if (!endpoint) {
        ADD_FAILURE() << "demo token URL does not parse: " << gw.upstreams().demo_token_url();
        return {};
    }
    const auto res = fetch(endpoint->port, http::verb::post, endpoint->path);
    EXPECT_EQ(res.result_int(), 200) << res.body();
    const auto answer = body_of(res);
    return answer.is_object() ? answer.value("access_token", std::string()) : std::string();
}

// client_auth "none": the product list answers anyone, while the routes that keep the gateway's
// "api_key,jwt" want credentials, which the storefront's key (allowed on them) gives.
void check_public_products(gateway_with_fakes& gw, const route_table&, const route_row& row) {
    const auto products = get_twice(gw, row, "/catalog/products");
    ASSERT_TRUE(products.is_array());
    EXPECT_FALSE(products.empty());

    const auto offers_target =
        "/catalog/products/" + std::string(sample_product_id) + "/offers?customerId=demo-customer";
    const auto before = gw.catalog().server().request_count();
    const auto anonymous = fetch(gw.port(), http::verb::get, offers_target);
    EXPECT_EQ(anonymous.result_int(), 401) << anonymous.body();
    EXPECT_EQ(anonymous[http::field::www_authenticate], R"(Bearer realm="kore-gateway")");
    EXPECT_EQ(gw.catalog().server().request_count(), before) << "a refused request went upstream";
    const auto offers =
        fetch(gw.port(), http::verb::get, offers_target, bearer_header(storefront_key));
    EXPECT_EQ(offers.result_int(), 200) << offers.body();
    EXPECT_TRUE(body_of(offers).is_array());
}

// required_scopes ["deals:read"]: the reporting key (which has the scope) and the demo user's
// JWT get the deal; no credentials is a 401, the storefront's key (limited to catalog routes) a
// 403, and neither reaches KORE. The client's credential is never forwarded.
void check_scoped_deal(gateway_with_fakes& gw, const route_table&, const route_row&) {
    const auto target = "/deals/" + std::string(sample_opportunity_id);
    const auto before = gw.kore().server().request_count();
    const auto anonymous = fetch(gw.port(), http::verb::get, target);
    EXPECT_EQ(anonymous.result_int(), 401) << anonymous.body();
    EXPECT_EQ(anonymous[http::field::www_authenticate], R"(Bearer realm="kore-gateway")");
    const auto storefront =
        fetch(gw.port(), http::verb::get, target, bearer_header(storefront_key));
    EXPECT_EQ(storefront.result_int(), 403) << storefront.body();
    EXPECT_EQ(gw.kore().server().request_count(), before) << "a refused request reached KORE";

    for (const auto& credential : {reporting_key, demo_user_token(gw)}) {
        ASSERT_FALSE(credential.empty());
        const auto res = fetch(gw.port(), http::verb::get, target, bearer_header(credential));
        EXPECT_EQ(res.result_int(), 200) << res.body();
        const auto deal = body_of(res);
        ASSERT_TRUE(deal.is_array()) << res.body();
        EXPECT_EQ(deal[0]["premium_deal_id"], sample_opportunity_id);
        const auto sent = gw.kore().server().requests().back();
        EXPECT_TRUE(sent.header("authorization").starts_with("Bearer "));
        EXPECT_EQ(sent.header("authorization").find(credential), std::string::npos);
    }
}

using route_check = std::function<void(gateway_with_fakes&, const route_table&, const route_row&)>;

// How each example route is called; an example route without an entry fails the test.
const std::map<std::string, route_check>& route_checks() {
    static const std::map<std::string, route_check> checks{
        {"deal_by_id", check_deal_by_id},
        {"deal_update", check_deal_update},
        {"billing_invoice", check_billing_invoice},
        {"catalog_products", check_public_products},
        {"deal", check_scoped_deal},
    };
    return checks;
}

class example_config : public ::testing::TestWithParam<fs::path> {};

TEST_P(example_config, loads_and_demo_mode_answers_every_route) {
    const auto config = load_example(GetParam());
    ASSERT_TRUE(config.routes_source.is_array()) << "an example adds routes";
    const auto routes = build_route_table(config);
    // The JWT settings name the demo upstreams' identity provider: the gateway starts after them.
    gateway_with_fakes gw({.base = config, .start_gateway = false});
    gw.start([&gw](gateway_config& c) { c.jwt = demo_jwt_settings(GetParam(), gw.upstreams()); });
    // Ready: every token obtained and the JWKS fetched, so a demo user's JWT is judged at once.
    ASSERT_TRUE(eventually(
        [&] { return fetch(gw.port(), http::verb::get, "/readyz").result_int() == 200; }));
    const auto openapi = body_of(fetch(gw.port(), http::verb::get, "/openapi.json"));
    for (const auto& entry : config.routes_source) {
        const auto name = entry.at("name").get<std::string>();
        SCOPED_TRACE("route " + name);
        const auto* row = routes.find(name);
        ASSERT_NE(row, nullptr);
        EXPECT_TRUE(openapi["paths"].contains(row->path)) << row->path;
        const auto check = route_checks().find(name);
        if (check == route_checks().end()) {
            ADD_FAILURE() << "no call for route " << name << " in " << __FILE__;
            continue;
        }
        check->second(gw, routes, *row);
    }
}

TEST(example_configs, include_those_the_readme_shows) {
    std::vector<std::string> names;
    for (const auto& file : example_files()) {
        names.push_back(file.filename().string());
    }
    for (const auto* shown :
         {"client-auth.json", "kore-extra-routes.json", "third-upstream-basic-auth.json"}) {
        EXPECT_NE(std::find(names.begin(), names.end(), shown), names.end()) << shown;
    }
}

std::string test_name(const ::testing::TestParamInfo<fs::path>& info) {
    auto name = info.param.stem().string();
    std::replace(name.begin(), name.end(), '-', '_');
    return name;
}

INSTANTIATE_TEST_SUITE_P(example_configs, example_config, ::testing::ValuesIn(example_files()),
                         test_name);

} // namespace
} // namespace kore_gateway::testing
