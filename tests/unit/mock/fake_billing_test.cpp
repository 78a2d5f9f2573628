#include "kore_gateway/mock/fake_billing.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kore_gateway/mock/fake_upstreams.hpp"
#include "unit/mock/fake_test_support.hpp"

namespace kore_gateway {
namespace {

using namespace kore_gateway::testing;
using json = nlohmann::json;

constexpr const char* billing_audience = "https://billing.example.com";
// base64("billing-client:billing-secret")
constexpr const char* billing_basic_auth = "Basic YmlsbGluZy1jbGllbnQ6YmlsbGluZy1zZWNyZXQ=";
constexpr const char* form_with_audience =
    "grant_type=client_credentials&scope=invoices%3Aread&audience=https%3A%2F%2Fbilling.example."
    "com";

class fake_billing_test : public ::testing::Test {
protected:
    fake_billing_test() {
        auth_.set_client_auth(client_auth_method::basic);
        auth_.set_expected_audience(billing_audience);
        token_ = obtain_token(auth_, form_with_audience, billing_basic_auth);
    }

    test_response get(const std::string& target, test_headers headers) {
        return fetch(billing_.base_url(), http::verb::get, target, std::move(headers));
    }
    test_response get_invoice(std::string_view id, const std::string& query = {}) {
        return get("/v1/invoices/" + std::string(id) + query, good_headers());
    }
    test_headers good_headers() const {
        return {{"X-Billing-Key", "bill-key"}, {"Authorization", "Bearer " + token_}};
    }
    static void expect_error(const test_response& res, unsigned status, const char* code) {
        EXPECT_EQ(res.result_int(), status) << res.body();
        const auto body = body_json(res);
        expect_fields(body, {"error"});
        EXPECT_EQ(body["error"]["code"], code);
        EXPECT_TRUE(body["error"]["message"].is_string());
    }

    fake_auth auth_{"billing-client", "billing-secret", "invoices:read"};
    fake_billing billing_{"bill-key", "X-Billing-Key", auth_};
    std::string token_;
};

void expect_invoice_fields(const json& invoice, std::initializer_list<const char*> lists) {
    std::vector<std::string> expected{"id",           "number",          "status",   "account_id",
                                      "account_name", "premium_deal_id", "currency", "issued_on",
                                      "due_on",       "subtotal",        "tax",      "total",
                                      "amount_paid",  "amount_due"};
    expected.insert(expected.end(), lists.begin(), lists.end());
    ASSERT_TRUE(invoice.is_object()) << invoice.dump();
    std::vector<std::string> present;
    for (const auto& [name, value] : invoice.items()) {
        present.push_back(name);
    }
    EXPECT_EQ(present.size(), expected.size()) << invoice.dump();
    for (const auto& name : expected) {
        EXPECT_TRUE(invoice.contains(name)) << name << " missing in " << invoice.dump();
    }
    for (const char* money : {"subtotal", "tax", "total", "amount_paid", "amount_due"}) {
        EXPECT_TRUE(invoice[money].is_number()) << money;
    }
}

TEST_F(fake_billing_test, the_token_needs_basic_client_authentication_and_the_audience) {
    ASSERT_FALSE(token_.empty());
    EXPECT_TRUE(auth_.is_valid(token_));
    // Credentials in the form, as KORE's token server wants them: refused.
    EXPECT_EQ(obtain_token(auth_, std::string(form_with_audience) +
                                      "&client_id=billing-client&client_secret=billing-secret"),
              "");
    // Basic without the audience: refused.
    EXPECT_EQ(obtain_token(auth_, "grant_type=client_credentials&scope=invoices%3Aread",
                           billing_basic_auth),
              "");
    EXPECT_EQ(auth_.token_requests(), 3u);
}

TEST_F(fake_billing_test, answers_an_invoice_without_its_sub_lists_unless_expanded) {
    auto res = get_invoice(sample_invoice_id);
    ASSERT_EQ(res.result_int(), 200u) << res.body();
    EXPECT_EQ(res[http::field::content_type], "application/json");
    const auto invoice = body_json(res);
    expect_invoice_fields(invoice, {});
    EXPECT_EQ(invoice["id"], sample_invoice_id);
    EXPECT_EQ(invoice["account_name"], "Try Now Do Ltd");
    EXPECT_EQ(invoice["total"], 27062.5);

    const auto lines = body_json(get_invoice(sample_invoice_id, "?expand=lines"));
    expect_invoice_fields(lines, {"lines"});
    ASSERT_FALSE(lines["lines"].empty());
    EXPECT_TRUE(lines["lines"][0]["amount"].is_number());
    const auto payments = body_json(get_invoice(sample_invoice_id, "?expand=payments"));
    expect_invoice_fields(payments, {"payments"});
    EXPECT_TRUE(payments["payments"].is_array());

    expect_error(get_invoice(sample_invoice_id, "?expand=everything"), 400, "invalid_request");
    expect_error(get_invoice(sample_invoice_id, "?expand=%zz"), 400, "invalid_request");
}

TEST_F(fake_billing_test, answers_every_known_invoice_whose_lines_add_up) {
    const auto ids = fake_billing::invoice_ids();
    ASSERT_GE(ids.size(), 3u);
    EXPECT_EQ(ids.front(), sample_invoice_id);
    for (const auto& id : ids) {
        const auto invoice = body_json(get_invoice(id, "?expand=lines"));
        expect_invoice_fields(invoice, {"lines"});
        double sum = 0;
        for (const auto& line : invoice["lines"]) {
            sum += line["amount"].get<double>();
        }
        EXPECT_DOUBLE_EQ(sum, invoice["subtotal"].get<double>()) << id;
        EXPECT_DOUBLE_EQ(invoice["total"].get<double>() - invoice["amount_paid"].get<double>(),
                         invoice["amount_due"].get<double>())
            << id;
    }
}

TEST_F(fake_billing_test, wants_the_api_key_in_the_header_it_was_given) {
    const std::string target = "/v1/invoices/" + std::string(sample_invoice_id);
    const std::pair<std::string, std::string> bearer{"Authorization", "Bearer " + token_};
    expect_error(get(target, {bearer}), 401, "invalid_api_key");
    expect_error(get(target, {bearer, {"X-Api-Key", "bill-key"}}), 401, "invalid_api_key");
    expect_error(get(target, {bearer, {"X-Billing-Key", "other"}}), 401, "invalid_api_key");

    billing_.set_api_key_header("Ocp-Apim-Subscription-Key");
    EXPECT_EQ(billing_.api_key_header(), "ocp-apim-subscription-key");
    EXPECT_EQ(get(target, {bearer, {"Ocp-Apim-Subscription-Key", "bill-key"}}).result_int(), 200u);
    expect_error(get(target, good_headers()), 401, "invalid_api_key");
}

TEST_F(fake_billing_test, wants_a_token_of_its_own_token_server) {
    const std::string target = "/v1/invoices/" + std::string(sample_invoice_id);
    const std::pair<std::string, std::string> key{"X-Billing-Key", "bill-key"};
    expect_error(get(target, {key}), 401, "invalid_token");
    expect_error(get(target, {key, {"Authorization", "Bearer forged"}}), 401, "invalid_token");

    fake_auth other{"billing-client", "billing-secret", "invoices:read"};
    const auto foreign = obtain_token(
        other,
        "grant_type=client_credentials&client_id=billing-client&client_secret=billing-secret");
    ASSERT_FALSE(foreign.empty());
    expect_error(get(target, {key, {"Authorization", "Bearer " + foreign}}), 401, "invalid_token");

    auth_.revoke_all();
    expect_error(get_invoice(sample_invoice_id), 401, "invalid_token");
}

TEST_F(fake_billing_test, unknown_invoices_paths_and_methods) {
    expect_error(get_invoice("INV-1999-000001"), 404, "resource_missing");
    for (const auto* path : {"/v1/invoices", "/v1/invoices/", "/v2/invoices/INV-2024-000417",
                             "/v1/invoices/INV-2024-000417/lines"}) {
        expect_error(get(path, good_headers()), 404, "resource_missing");
    }
    const auto post = fetch(billing_.base_url(), http::verb::post,
                            "/v1/invoices/" + std::string(sample_invoice_id), good_headers(), "{}");
    expect_error(post, 405, "method_not_allowed");
    EXPECT_EQ(post[http::field::allow], "GET");
}

} // namespace
} // namespace kore_gateway
