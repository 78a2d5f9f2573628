// The fake KORE Premium Deal API: deal summaries by opportunity and by deal id, and the update of
// a deal, with X-Api-Key and a bearer token from a fake_auth. Used by the tests and --demo.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "kore_gateway/mock/mock_server.hpp"

namespace kore_gateway {

class fake_auth;

// The documentation's sample opportunity; its deal's premium_deal_id is the same id.
inline constexpr std::string_view sample_opportunity_id = "1234abcd-1234-abcd-123456789abc";
// A deal whose premium_deal_id differs from its opportunity id (sample_deal_opportunity_id).
inline constexpr std::string_view sample_premium_deal_id = "e2683877-c388-448e-97a2-3b61976032dc";
inline constexpr std::string_view sample_deal_opportunity_id =
    "2cca5c6b-77ad-42c7-aafc-8df45c936bfd";

// Endpoints:
//   GET /aggregates/premium-deal-summaries/by-opportunity/{opportunityId}: [summary]
//   GET /aggregates/premium-deal-summaries/{premiumDealId}: summary
//   PUT /premium-deals/by-opportunity/{opportunityId}: a JSON object of the summary's fields to
//       change; answers the updated summary, which later GETs of this fake show too.
// Thread-safe.
class fake_kore {
public:
    fake_kore(std::string api_key, const fake_auth& auth,
              std::shared_ptr<ssl::context> tls = nullptr);

    mock_server& server() { return server_; }
    std::string base_url() const { return server_.base_url(); }
    mock_reply handle(const recorded_request& req);

    // The opportunities that have a deal; the first is the documentation's sample.
    static std::vector<std::string> opportunity_ids();

private:
    // The deal of an opportunity, or of a premium_deal_id; null when there is none. Called with
    // mutex_ held.
    nlohmann::ordered_json* deal_of_opportunity(std::string_view opportunity_id);
    nlohmann::ordered_json* deal_with_id(std::string_view premium_deal_id);
    // Called with mutex_ held.
    mock_reply update(nlohmann::ordered_json& deal, std::string_view opportunity_id,
                      const std::string& body);

    const std::string api_key_;
    const fake_auth& auth_;
    std::mutex mutex_;
    nlohmann::ordered_json deals_; // summaries by opportunity id; PUTs change them
    mock_server server_;           // last: its thread may call handle() as soon as it exists
};

} // namespace kore_gateway
