#include "kore_gateway/mock/fake_upstreams.hpp"

#include <regex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "unit/mock/fake_test_support.hpp"

namespace kore_gateway {
namespace {

using namespace kore_gateway::testing;
using json = nlohmann::json;

const std::regex uuid_pattern("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

test_response catalog_get(const fake_catalog& catalog, std::string target,
                          test_headers headers = {}) {
    return fetch(catalog.base_url(), http::verb::get, std::move(target), std::move(headers));
}

test_response price(const fake_catalog& catalog, std::string_view product, std::string_view offer,
                    const json& body, std::string_view query = "?customerId=C-1001") {
    return fetch(catalog.base_url(), http::verb::post,
                 "/api/v1/products/" + std::string(product) + "/offers/" + std::string(offer) +
                     "/price" + std::string(query),
                 {{"Content-Type", "application/json"}}, body.dump());
}

std::string offers_path(std::string_view product) {
    return "/api/v1/products/" + std::string(product) + "/offers?customerId=C-1001";
}

class fake_catalog_test : public ::testing::Test {
protected:
    fake_catalog catalog_;
};

TEST_F(fake_catalog_test, products_have_every_documented_field) {
    auto res = catalog_get(catalog_, "/api/v1/products");
    ASSERT_EQ(res.result_int(), 200u);
    EXPECT_EQ(res[http::field::content_type], "application/json");
    auto categories = body_json(res);
    ASSERT_TRUE(categories.is_array());
    ASSERT_GE(categories.size(), 2u);
    bool sample_seen = false;
    for (const auto& category : categories) {
        expect_fields(category, {"categoryId", "categoryName", "products"});
        EXPECT_TRUE(std::regex_match(category["categoryId"].get<std::string>(), uuid_pattern));
        ASSERT_FALSE(category["products"].empty());
        for (const auto& product : category["products"]) {
            expect_fields(product, {"productId", "productName", "productDescription",
                                    "productVendorName", "productVendorId"});
            EXPECT_TRUE(std::regex_match(product["productId"].get<std::string>(), uuid_pattern));
            EXPECT_TRUE(
                std::regex_match(product["productVendorId"].get<std::string>(), uuid_pattern));
            sample_seen = sample_seen || product["productId"] == sample_product_id;
        }
    }
    EXPECT_TRUE(sample_seen);
}

TEST_F(fake_catalog_test, offers_have_every_documented_field_for_every_product) {
    auto categories = body_json(catalog_get(catalog_, "/api/v1/products"));
    bool options_seen = false;
    for (const auto& category : categories) {
        for (const auto& product : category["products"]) {
            auto res = catalog_get(catalog_, offers_path(product["productId"].get<std::string>()));
            ASSERT_EQ(res.result_int(), 200u);
            auto offers = body_json(res);
            ASSERT_TRUE(offers.is_array());
            ASSERT_FALSE(offers.empty());
            for (const auto& offer : offers) {
                expect_fields(offer, {"offerId", "offerName", "offerIndustryTypes", "offerIsTrail",
                                      "offerBillingModel", "offerPricingPlan"});
                EXPECT_TRUE(offer["offerIndustryTypes"].is_array());
                EXPECT_TRUE(offer["offerIsTrail"].is_boolean());
                const auto& plan = offer["offerPricingPlan"];
                expect_fields(plan,
                              {"pricingPlanFormElements", "pricingPlanAvailableBillingCycles"});
                EXPECT_FALSE(plan["pricingPlanAvailableBillingCycles"].empty());
                for (const auto& element : plan["pricingPlanFormElements"]) {
                    expect_fields(element,
                                  {"elementId", "elementKey", "elementType", "elementIsQuantity",
                                   "elementIsRequired", "elementAffectsPrice", "elementTitle",
                                   "elementMinValue", "elementMaxValue", "elementDefaultValue",
                                   "elementOptions"});
                    EXPECT_TRUE(element["elementMinValue"].is_number());
                    for (const auto& option : element["elementOptions"]) {
                        options_seen = true;
                        expect_fields(option, {"elementOptionId", "elementOptionType",
                                               "elementOptionTitle", "elementOptionValue"});
                    }
                }
                // Every offer prices with its defaults alone.
                auto priced =
                    price(catalog_, product["productId"].get<std::string>(),
                          offer["offerId"].get<std::string>(), {{"formData", json::array()}});
                EXPECT_EQ(priced.result_int(), 200u) << priced.body();
            }
        }
    }
    EXPECT_TRUE(options_seen);
}

TEST_F(fake_catalog_test, offers_need_a_customer_and_a_known_product) {
    auto without =
        catalog_get(catalog_, "/api/v1/products/" + std::string(sample_product_id) + "/offers");
    EXPECT_EQ(without.result_int(), 400u);
    EXPECT_TRUE(body_json(without).contains("detail"));
    EXPECT_EQ(
        catalog_get(catalog_, offers_path("00000000-0000-4000-8000-000000000000")).result_int(),
        404u);
}

TEST_F(fake_catalog_test, prices_a_configuration) {
    json body = {{"priceDate", "2024-07-18T09:32:49.744Z"},
                 {"formData",
                  {{{"elementKey", "users"}, {"elementValue", "10"}},
                   {{"elementKey", "mailbox_storage"}, {"elementValue", "100gb-archive"}}}}};
    auto res = price(catalog_, sample_product_id, sample_offer_id, body);
    ASSERT_EQ(res.result_int(), 200u) << res.body();
    auto answer = body_json(res);
    expect_fields(answer, {"customerUnitPrice", "customerTotalPrice", "currencyCode", "hasUsage",
                           "billingFrequency", "partnerDiscount", "partnerTotalPrice"});
    EXPECT_DOUBLE_EQ(answer["customerUnitPrice"].get<double>(), 14.30);
    EXPECT_DOUBLE_EQ(answer["customerTotalPrice"].get<double>(), 143.00);
    EXPECT_EQ(answer["currencyCode"], "EUR");
    EXPECT_EQ(answer["hasUsage"], false);
    EXPECT_EQ(answer["billingFrequency"], "monthly");
    EXPECT_DOUBLE_EQ(answer["partnerDiscount"].get<double>(), 21.45);
    EXPECT_DOUBLE_EQ(answer["partnerTotalPrice"].get<double>(), 121.55);

    // A number value, no customer, a yearly cycle.
    body["formData"] = {{{"elementKey", "users"}, {"elementValue", 2}},
                        {{"elementKey", "billingCycle"}, {"elementValue", "yearly"}}};
    answer = body_json(price(catalog_, sample_product_id, sample_offer_id, body, ""));
    EXPECT_DOUBLE_EQ(answer["customerTotalPrice"].get<double>(), 10.5 * 2 * 12);
    EXPECT_EQ(answer["billingFrequency"], "yearly");
}

TEST_F(fake_catalog_test, rejects_bad_price_requests) {
    auto status = [this](const std::string& raw_body) {
        return fetch(catalog_.base_url(), http::verb::post,
                     "/api/v1/products/" + std::string(sample_product_id) + "/offers/" +
                         std::string(sample_offer_id) + "/price",
                     {{"Content-Type", "application/json"}}, raw_body)
            .result_int();
    };
    EXPECT_EQ(status(R"({"priceDate":"2024-07-18T09:32:49.744Z"})"), 400u);
    EXPECT_EQ(status("not json"), 400u);
    EXPECT_EQ(status(R"({"formData":{}})"), 400u);
    EXPECT_EQ(status(R"({"formData":[{"elementValue":"1"}]})"), 400u);
    EXPECT_EQ(status(R"({"formData":[],"priceDate":5})"), 400u);
    EXPECT_EQ(status(R"({"formData":[{"elementKey":"users","elementValue":"1000"}]})"), 400u);
    EXPECT_EQ(status(R"({"formData":[{"elementKey":"users","elementValue":"ten"}]})"), 400u);
    EXPECT_EQ(status(R"({"formData":[{"elementKey":"mailbox_storage","elementValue":"9tb"}]})"),
              400u);
    EXPECT_EQ(status(R"({"formData":[{"elementKey":"billingCycle","elementValue":"weekly"}]})"),
              400u);
    EXPECT_EQ(status(R"({"formData":[]})"), 200u);

    EXPECT_EQ(price(catalog_, sample_product_id, "no-such-offer", {{"formData", json::array()}})
                  .result_int(),
              404u);
    EXPECT_EQ(catalog_get(catalog_, "/api/v1/products/" + std::string(sample_product_id) +
                                        "/offers/" + std::string(sample_offer_id) + "/price")
                  .result_int(),
              405u);
}

TEST_F(fake_catalog_test, unknown_paths_are_404) {
    EXPECT_EQ(catalog_get(catalog_, "/api/v2/products").result_int(), 404u);
    EXPECT_EQ(catalog_get(catalog_, "/").result_int(), 404u);
}

TEST(fake_catalog, enforces_an_api_key_when_given_one) {
    fake_catalog catalog("catalog-key");
    EXPECT_EQ(catalog_get(catalog, "/api/v1/products").result_int(), 401u);
    EXPECT_EQ(catalog_get(catalog, "/api/v1/products", {{"X-Api-Key", "wrong"}}).result_int(),
              401u);
    EXPECT_EQ(catalog_get(catalog, "/api/v1/products", {{"X-Api-Key", "catalog-key"}}).result_int(),
              200u);
}

TEST(fake_catalog, enforces_a_bearer_token_when_given_an_auth) {
    fake_auth auth("cat-client", "cat-secret", "catalog");
    fake_catalog catalog({}, &auth);
    EXPECT_EQ(catalog_get(catalog, "/api/v1/products").result_int(), 401u);
    EXPECT_EQ(
        catalog_get(catalog, "/api/v1/products", {{"Authorization", "Bearer nope"}}).result_int(),
        401u);
    auto token = obtain_token(
        auth, "grant_type=client_credentials&scope=catalog&client_id=cat-client&client_secret="
              "cat-secret");
    EXPECT_EQ(catalog_get(catalog, "/api/v1/products", {{"Authorization", "Bearer " + token}})
                  .result_int(),
              200u);
}

} // namespace
} // namespace kore_gateway
