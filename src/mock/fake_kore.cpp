#include "kore_gateway/mock/fake_kore.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>

#include "kore_gateway/mock/fake_http.hpp"
#include "kore_gateway/mock/fake_upstreams.hpp"
#include "kore_gateway/util/ids.hpp"

namespace kore_gateway {
namespace {

// Deal summaries by opportunity id, as the fake starts; the first is the documentation's sample,
// verbatim.
const fake_json& initial_deals() {
    static const fake_json data = fake_json::parse(R"json({
  "1234abcd-1234-abcd-123456789abc": {
    "premium_deal_id": "1234abcd-1234-abcd-123456789abc",
    "premium_deal_#": "5555",
    "account_id": "abcd1234-abcd-1234-abcdefghi123-",
    "account_name": "Try Now Do Ltd",
    "total_seats": 8,
    "event_name": "Springfield vs. Shelbyville 1/30/21",
    "event_id": "12345678-1234-1234-abcdefghijkl",
    "section_name": "Premium 102",
    "premium_deal_contracted_on": null,
    "premium_deal_total": 25000.000000,
    "location_total": 12500.000000,
    "location_id": "abcdefgh-abcd-abcd-123456789000",
    "experience_bank": 0.000000,
    "f&b_package": 0.000000,
    "license_fee": 12500.000000,
    "rental_fee": 0.000000,
    "sro": 0.000000,
    "tao_spend": 0.000000
  },
  "2cca5c6b-77ad-42c7-aafc-8df45c936bfd": {
    "premium_deal_id": "e2683877-c388-448e-97a2-3b61976032dc",
    "premium_deal_#": "5618",
    "account_id": "6bb0ea31-6ebf-4540-a136-ae516e9d0775",
    "account_name": "Capital City Logistics GmbH",
    "total_seats": 12,
    "event_name": "Springfield vs. Capital City 2/14/21",
    "event_id": "bce09e82-df35-4770-80f5-982f3b1272c6",
    "section_name": "Club Suite 210",
    "premium_deal_contracted_on": "2021-01-12T15:04:05Z",
    "premium_deal_total": 48600.000000,
    "location_total": 36000.000000,
    "location_id": "2dc6bfae-25a2-4746-b448-d112d048df67",
    "experience_bank": 2500.000000,
    "f&b_package": 4800.000000,
    "license_fee": 36000.000000,
    "rental_fee": 3500.000000,
    "sro": 600.000000,
    "tao_spend": 1200.000000
  },
  "bd97e3b0-2cb1-4fa6-acd1-93a91236cc5f": {
    "premium_deal_id": "0661c250-e653-4a96-8cd2-3f29c4289072",
    "premium_deal_#": "5702",
    "account_id": "0d09acfb-2b78-4662-9c3f-426eab5f13c8",
    "account_name": "Ogdenville Dental Partners",
    "total_seats": 4,
    "event_name": "Shelbyville vs. Ogdenville 3/06/21",
    "event_id": "8ba631f5-8b17-44f1-9795-6e45d2543eba",
    "section_name": "Loge Box 7",
    "premium_deal_contracted_on": "2021-02-01T09:30:00Z",
    "premium_deal_total": 9800.000000,
    "location_total": 8000.000000,
    "location_id": "26d7ddcb-99c4-481a-9de8-ce17fbd93f6c",
    "experience_bank": 0.000000,
    "f&b_package": 1200.000000,
    "license_fee": 8000.000000,
    "rental_fee": 0.000000,
    "sro": 0.000000,
    "tao_spend": 600.000000
  }
})json");
    return data;
}

// KORE's error shape, with Access-Control-Allow-Origin like every KORE answer.
mock_reply kore_reply(unsigned status, const fake_json& body) {
    auto reply = json_reply(status, body);
    reply.headers.emplace_back("Access-Control-Allow-Origin", "*");
    return reply;
}

mock_reply kore_error(unsigned status, const fake_json& id, std::string_view error,
                      std::string_view message, fake_json errors = fake_json::array()) {
    return kore_reply(status, {{"id", id},
                               {"error_id", random_id()},
                               {"error", error},
                               {"message", message},
                               {"link", nullptr},
                               {"errors", std::move(errors)}});
}

enum class kore_endpoint { deal_by_opportunity, deal_by_id, deal_update };

struct kore_call {
    kore_endpoint endpoint;
    std::string id; // the path's opportunity or premium deal id
};

// The endpoint a path names; nullopt for any other path.
std::optional<kore_call> match(std::string_view path) {
    const auto s = path_segments(path);
    const bool summaries =
        s.size() >= 3 && s[0] == "aggregates" && s[1] == "premium-deal-summaries";
    std::optional<kore_call> call;
    if (summaries && s.size() == 4 && s[2] == "by-opportunity") {
        call = kore_call{kore_endpoint::deal_by_opportunity, std::string(s[3])};
    } else if (summaries && s.size() == 3 && s[2] != "by-opportunity") {
        call = kore_call{kore_endpoint::deal_by_id, std::string(s[2])};
    } else if (s.size() == 3 && s[0] == "premium-deals" && s[1] == "by-opportunity") {
        call = kore_call{kore_endpoint::deal_update, std::string(s[2])};
    }
    return call && !call->id.empty() ? call : std::nullopt;
}

// Fields that identify a deal or what it is linked to: a client cannot change them.
constexpr std::array<std::string_view, 5> read_only_fields{"premium_deal_id", "premium_deal_#",
                                                           "account_id", "event_id", "location_id"};

// Why value cannot become deal's field key; nullopt when it can. A field keeps its JSON type;
// the contract date may also be null (not contracted yet).
std::optional<std::string> update_problem(const fake_json& deal, const std::string& key,
                                          const fake_json& value) {
    if (!deal.contains(key)) {
        return "is not a field of a premium deal summary";
    }
    if (std::find(read_only_fields.begin(), read_only_fields.end(), key) !=
        read_only_fields.end()) {
        return "cannot be changed";
    }
    if (key == "premium_deal_contracted_on") {
        return value.is_string() || value.is_null()
                   ? std::nullopt
                   : std::optional<std::string>("must be a date-time string or null");
    }
    if (key == "total_seats") {
        return value.is_number_integer() && value.get<std::int64_t>() >= 1
                   ? std::nullopt
                   : std::optional<std::string>("must be an integer of at least 1");
    }
    if (deal[key].is_number()) {
        return value.is_number() && value.get<double>() >= 0
                   ? std::nullopt
                   : std::optional<std::string>("must be a number of at least 0");
    }
    return value.is_string() ? std::nullopt : std::optional<std::string>("must be a string");
}

} // namespace

fake_kore::fake_kore(std::string api_key, const fake_auth& auth, std::shared_ptr<ssl::context> tls)
    : api_key_(std::move(api_key)), auth_(auth), deals_(initial_deals()),
      server_([this](const recorded_request& req) { return handle(req); }, std::move(tls)) {}

mock_reply fake_kore::handle(const recorded_request& req) {
    const auto path = req.path();
    const auto call = match(path);
    if (!call) {
        return kore_error(404, nullptr, "not_found", "No endpoint matches " + path + ".");
    }
    const char* allowed = call->endpoint == kore_endpoint::deal_update ? "PUT" : "GET";
    if (req.method != allowed) {
        return method_not_allowed(
            kore_error(405, call->id, "method_not_allowed", req.method + " is not allowed here."),
            allowed);
    }
    if (req.header("x-api-key") != api_key_) {
        return kore_error(401, nullptr, "unauthorized",
                          "The X-Api-Key header is missing or invalid.");
    }
    if (!auth_.is_valid(bearer_token(req))) {
        return kore_error(
            401, nullptr, "unauthorized",
            "The authentication header was missing, or the token was invalid / expired.");
    }
    std::lock_guard lock(mutex_);
    if (call->endpoint == kore_endpoint::deal_by_id) {
        const auto* deal = deal_with_id(call->id);
        return deal ? kore_reply(200, *deal)
                    : kore_error(404, call->id, "not_found",
                                 "No premium deal has the id " + call->id + ".");
    }
    auto* deal = deal_of_opportunity(call->id);
    if (!deal) {
        return kore_error(404, call->id, "not_found",
                          "No premium deal was found for opportunity " + call->id + ".");
    }
    if (call->endpoint == kore_endpoint::deal_update) {
        return update(*deal, call->id, req.body);
    }
    return kore_reply(200, fake_json::array({*deal}));
}

fake_json* fake_kore::deal_of_opportunity(std::string_view opportunity_id) {
    const auto it = deals_.find(opportunity_id);
    return it == deals_.end() ? nullptr : &*it;
}

fake_json* fake_kore::deal_with_id(std::string_view premium_deal_id) {
    for (auto& deal : deals_) {
        if (deal["premium_deal_id"] == premium_deal_id) {
            return &deal;
        }
    }
    return nullptr;
}

mock_reply fake_kore::update(fake_json& deal, std::string_view opportunity_id,
                             const std::string& body) {
    const auto changes = fake_json::parse(body, nullptr, false);
    if (changes.is_discarded() || !changes.is_object()) {
        return kore_error(400, opportunity_id, "bad_request",
                          "The request body must be a JSON object.");
    }
    auto errors = fake_json::array();
    for (const auto& [key, value] : changes.items()) {
        if (const auto problem = update_problem(deal, key, value)) {
            errors.push_back({{"field", key}, {"message", *problem}});
        }
    }
    if (!errors.empty()) {
        return kore_error(400, opportunity_id, "bad_request", "The premium deal was not updated.",
                          std::move(errors));
    }
    for (const auto& [key, value] : changes.items()) {
        deal[key] = value;
    }
    return kore_reply(200, deal);
}

std::vector<std::string> fake_kore::opportunity_ids() {
    std::vector<std::string> ids;
    for (const auto& [id, deal] : initial_deals().items()) {
        ids.push_back(id);
    }
    return ids;
}

} // namespace kore_gateway
