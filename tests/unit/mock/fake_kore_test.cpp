#include "kore_gateway/mock/fake_kore.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kore_gateway/mock/fake_upstreams.hpp"
#include "unit/mock/fake_test_support.hpp"

namespace kore_gateway {
namespace {

using namespace kore_gateway::testing;
using json = nlohmann::json;

class fake_kore_test : public ::testing::Test {
protected:
    test_response get_deal(std::string_view id, test_headers headers) {
        return call(http::verb::get,
                    "/aggregates/premium-deal-summaries/by-opportunity/" + std::string(id),
                    std::move(headers));
    }
    test_response get_deal_by_id(std::string_view id) {
        return call(http::verb::get, "/aggregates/premium-deal-summaries/" + std::string(id),
                    good_headers());
    }
    test_response put_deal(std::string_view opportunity_id, std::string body,
                           test_headers headers) {
        return call(http::verb::put, "/premium-deals/by-opportunity/" + std::string(opportunity_id),
                    std::move(headers), std::move(body));
    }
    test_response call(http::verb method, std::string target, test_headers headers,
                       std::string body = {}) {
        return fetch(kore_.base_url(), method, std::move(target), std::move(headers),
                     std::move(body));
    }
    test_headers good_headers() {
        return {{"Content-Type", "application/json"},
                {"X-Api-Key", "kore-key"},
                {"Authorization", "Bearer " + token_}};
    }
    void expect_kore_error(const test_response& res, unsigned status, const char* error) {
        EXPECT_EQ(res.result_int(), status);
        auto body = body_json(res);
        expect_fields(body, {"id", "error_id", "error", "message", "link", "errors"});
        EXPECT_EQ(body["error"], error);
        EXPECT_TRUE(body["error_id"].is_string());
        EXPECT_TRUE(body["message"].is_string());
        EXPECT_TRUE(body["link"].is_null());
        EXPECT_TRUE(body["errors"].is_array());
    }

    fake_auth auth_{"kore-client", "kore-secret", "pss-api"};
    fake_kore kore_{"kore-key", auth_};
    std::string token_ = obtain_token(
        auth_, "grant_type=client_credentials&scope=pss-api&client_id=kore-client&client_secret="
               "kore-secret");
};

void expect_deal_fields(const json& deal) {
    expect_fields(deal,
                  {"premium_deal_id", "premium_deal_#", "account_id", "account_name", "total_seats",
                   "event_name", "event_id", "section_name", "premium_deal_contracted_on",
                   "premium_deal_total", "location_total", "location_id", "experience_bank",
                   "f&b_package", "license_fee", "rental_fee", "sro", "tao_spend"});
    EXPECT_TRUE(deal["total_seats"].is_number_integer());
    for (const char* money : {"premium_deal_total", "location_total", "experience_bank",
                              "f&b_package", "license_fee", "rental_fee", "sro", "tao_spend"}) {
        EXPECT_TRUE(deal[money].is_number()) << money;
    }
}

TEST_F(fake_kore_test, answers_the_documented_sample) {
    ASSERT_FALSE(token_.empty());
    auto res = get_deal(sample_opportunity_id, good_headers());
    ASSERT_EQ(res.result_int(), 200u);
    EXPECT_EQ(res[http::field::content_type], "application/json");
    EXPECT_EQ(res[http::field::access_control_allow_origin], "*");
    auto body = body_json(res);
    ASSERT_TRUE(body.is_array());
    ASSERT_EQ(body.size(), 1u);
    const auto& deal = body[0];
    expect_deal_fields(deal);
    EXPECT_EQ(deal["premium_deal_id"], "1234abcd-1234-abcd-123456789abc");
    EXPECT_EQ(deal["premium_deal_#"], "5555");
    EXPECT_EQ(deal["account_name"], "Try Now Do Ltd");
    EXPECT_EQ(deal["total_seats"], 8);
    EXPECT_TRUE(deal["premium_deal_contracted_on"].is_null());
    EXPECT_EQ(deal["premium_deal_total"], 25000.0);
    EXPECT_EQ(deal["license_fee"], 12500.0);
    EXPECT_EQ(kore_.server().requests().at(0).header("x-api-key"), "kore-key");
}

TEST_F(fake_kore_test, answers_every_known_opportunity) {
    auto ids = fake_kore::opportunity_ids();
    ASSERT_GE(ids.size(), 3u);
    EXPECT_EQ(ids.front(), sample_opportunity_id);
    for (const auto& id : ids) {
        auto res = get_deal(id, good_headers());
        ASSERT_EQ(res.result_int(), 200u) << id;
        auto body = body_json(res);
        ASSERT_EQ(body.size(), 1u);
        expect_deal_fields(body[0]);
    }
}

TEST_F(fake_kore_test, unknown_opportunity_is_a_kore_404) {
    auto res = get_deal("00000000-0000-0000-0000-000000000000", good_headers());
    expect_kore_error(res, 404, "not_found");
    EXPECT_EQ(body_json(res)["id"], "00000000-0000-0000-0000-000000000000");
    // Each error has its own reference.
    auto again = get_deal("00000000-0000-0000-0000-000000000000", good_headers());
    EXPECT_NE(body_json(res)["error_id"], body_json(again)["error_id"]);
}

TEST_F(fake_kore_test, enforces_the_api_key) {
    expect_kore_error(get_deal(sample_opportunity_id, {{"Authorization", "Bearer " + token_}}), 401,
                      "unauthorized");
    expect_kore_error(get_deal(sample_opportunity_id,
                               {{"X-Api-Key", "wrong"}, {"Authorization", "Bearer " + token_}}),
                      401, "unauthorized");
}

TEST_F(fake_kore_test, enforces_the_bearer_token) {
    expect_kore_error(get_deal(sample_opportunity_id, {{"X-Api-Key", "kore-key"}}), 401,
                      "unauthorized");
    expect_kore_error(get_deal(sample_opportunity_id,
                               {{"X-Api-Key", "kore-key"}, {"Authorization", "Bearer forged"}}),
                      401, "unauthorized");
    expect_kore_error(
        get_deal(sample_opportunity_id, {{"X-Api-Key", "kore-key"}, {"Authorization", token_}}),
        401, "unauthorized");
    auth_.revoke_all();
    expect_kore_error(get_deal(sample_opportunity_id, good_headers()), 401, "unauthorized");
}

TEST_F(fake_kore_test, other_paths_and_methods) {
    expect_kore_error(fetch(kore_.base_url(), http::verb::get, "/aggregates"), 404, "not_found");
    auto post = fetch(kore_.base_url(), http::verb::post,
                      "/aggregates/premium-deal-summaries/by-opportunity/x");
    expect_kore_error(post, 405, "method_not_allowed");
    EXPECT_EQ(post[http::field::allow], "GET");
}

TEST_F(fake_kore_test, finds_a_deal_by_its_premium_deal_id) {
    auto res = get_deal_by_id(sample_premium_deal_id);
    ASSERT_EQ(res.result_int(), 200u) << res.body();
    EXPECT_EQ(res[http::field::access_control_allow_origin], "*");
    const auto deal = body_json(res);
    expect_deal_fields(deal);
    EXPECT_EQ(deal["premium_deal_id"], sample_premium_deal_id);
    EXPECT_EQ(deal, body_json(get_deal(sample_deal_opportunity_id, good_headers()))[0]);

    // The id is a deal's, not an opportunity's.
    const auto by_opportunity = get_deal_by_id(sample_deal_opportunity_id);
    expect_kore_error(by_opportunity, 404, "not_found");
    EXPECT_EQ(body_json(by_opportunity)["id"], sample_deal_opportunity_id);
}

TEST_F(fake_kore_test, by_id_and_update_need_the_api_key_and_the_token) {
    const std::string by_id =
        "/aggregates/premium-deal-summaries/" + std::string(sample_premium_deal_id);
    expect_kore_error(call(http::verb::get, by_id, {{"Authorization", "Bearer " + token_}}), 401,
                      "unauthorized");
    expect_kore_error(call(http::verb::get, by_id, {{"X-Api-Key", "kore-key"}}), 401,
                      "unauthorized");
    const auto body = R"({"total_seats": 9})";
    expect_kore_error(put_deal(sample_opportunity_id, body, {{"X-Api-Key", "kore-key"}}), 401,
                      "unauthorized");
    expect_kore_error(
        put_deal(sample_opportunity_id, body, {{"Authorization", "Bearer " + token_}}), 401,
        "unauthorized");
    EXPECT_EQ(body_json(get_deal(sample_opportunity_id, good_headers()))[0]["total_seats"], 8);
}

TEST_F(fake_kore_test, an_update_answers_the_new_summary_and_later_gets_show_it) {
    auto res = put_deal(sample_deal_opportunity_id,
                        R"({"total_seats": 20, "account_name": "Capital City Freight AG",
                            "premium_deal_contracted_on": null})",
                        good_headers());
    ASSERT_EQ(res.result_int(), 200u) << res.body();
    const auto updated = body_json(res);
    expect_deal_fields(updated);
    EXPECT_EQ(updated["total_seats"], 20);
    EXPECT_EQ(updated["account_name"], "Capital City Freight AG");
    EXPECT_TRUE(updated["premium_deal_contracted_on"].is_null());
    EXPECT_EQ(updated["premium_deal_id"], sample_premium_deal_id);
    EXPECT_EQ(updated["section_name"], "Club Suite 210"); // fields not sent stay as they were

    EXPECT_EQ(body_json(get_deal(sample_deal_opportunity_id, good_headers()))[0], updated);
    EXPECT_EQ(body_json(get_deal_by_id(sample_premium_deal_id)), updated);
    // Each fake starts from the documented data.
    fake_kore other{"kore-key", auth_};
    const auto fresh =
        fetch(other.base_url(), http::verb::get,
              "/aggregates/premium-deal-summaries/" + std::string(sample_premium_deal_id),
              good_headers());
    EXPECT_EQ(body_json(fresh)["total_seats"], 12);
}

TEST_F(fake_kore_test, an_update_of_an_unknown_opportunity_is_a_404) {
    const auto res =
        put_deal("00000000-0000-0000-0000-000000000000", R"({"total_seats": 2})", good_headers());
    expect_kore_error(res, 404, "not_found");
    EXPECT_EQ(body_json(res)["id"], "00000000-0000-0000-0000-000000000000");
}

TEST_F(fake_kore_test, refuses_a_bad_update_and_changes_nothing) {
    const auto before = body_json(get_deal(sample_opportunity_id, good_headers()));
    for (const auto* body : {"{\"total_seats\": ", "[1, 2]", "\"seats\""}) {
        const auto res = put_deal(sample_opportunity_id, body, good_headers());
        expect_kore_error(res, 400, "bad_request");
        EXPECT_TRUE(body_json(res)["errors"].empty()) << body;
    }
    const struct {
        const char* body;
        const char* field;
    } bad_fields[] = {
        {R"({"total_seats": 0})", "total_seats"},
        {R"({"total_seats": 2.5})", "total_seats"},
        {R"({"account_name": 7})", "account_name"},
        {R"({"license_fee": -1})", "license_fee"},
        {R"({"premium_deal_contracted_on": 5})", "premium_deal_contracted_on"},
        {R"({"premium_deal_id": "0661c250-e653-4a96-8cd2-3f29c4289072"})", "premium_deal_id"},
        {R"({"seats": 3})", "seats"},
    };
    for (const auto& bad : bad_fields) {
        const auto res = put_deal(sample_opportunity_id, bad.body, good_headers());
        expect_kore_error(res, 400, "bad_request");
        const auto errors = body_json(res)["errors"];
        ASSERT_EQ(errors.size(), 1u) << bad.body;
        EXPECT_EQ(errors[0]["field"], bad.field);
        EXPECT_TRUE(errors[0]["message"].is_string());
    }
    // One bad field refuses the whole update.
    const auto mixed =
        put_deal(sample_opportunity_id, R"({"total_seats": 9, "seats": 3})", good_headers());
    expect_kore_error(mixed, 400, "bad_request");
    EXPECT_EQ(body_json(get_deal(sample_opportunity_id, good_headers())), before);
}

TEST_F(fake_kore_test, each_endpoint_allows_only_its_method) {
    const auto get_update =
        call(http::verb::get, "/premium-deals/by-opportunity/" + std::string(sample_opportunity_id),
             good_headers());
    expect_kore_error(get_update, 405, "method_not_allowed");
    EXPECT_EQ(get_update[http::field::allow], "PUT");
    const auto put_by_id =
        call(http::verb::put,
             "/aggregates/premium-deal-summaries/" + std::string(sample_premium_deal_id),
             good_headers(), "{}");
    expect_kore_error(put_by_id, 405, "method_not_allowed");
    EXPECT_EQ(put_by_id[http::field::allow], "GET");
    for (const auto* path : {"/premium-deals/by-opportunity", "/premium-deals/by-opportunity/",
                             "/aggregates/premium-deal-summaries/by-opportunity",
                             "/aggregates/premium-deal-summaries/a/b"}) {
        expect_kore_error(call(http::verb::get, path, good_headers()), 404, "not_found");
    }
}

} // namespace
} // namespace kore_gateway
