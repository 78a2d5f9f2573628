#include "kore_gateway/mock/fake_billing.hpp"

#include <boost/algorithm/string/case_conv.hpp>

#include "kore_gateway/mock/fake_http.hpp"
#include "kore_gateway/mock/fake_upstreams.hpp"

namespace kore_gateway {
namespace {

// Invoices by id, with their line items and payments: an answer leaves out those not asked
// for with ?expand=, as many billing APIs do for sub-lists.
const fake_json& invoices() {
    static const fake_json data = fake_json::parse(R"json({
  "INV-2024-000417": {
    "id": "INV-2024-000417",
    "number": "2024-000417",
    "status": "open",
    "account_id": "abcd1234-abcd-1234-abcdefghi123-",
    "account_name": "Try Now Do Ltd",
    "premium_deal_id": "1234abcd-1234-abcd-123456789abc",
    "currency": "USD",
    "issued_on": "2024-03-01",
    "due_on": "2024-03-31",
    "subtotal": 25000.00,
    "tax": 2062.50,
    "total": 27062.50,
    "amount_paid": 0.00,
    "amount_due": 27062.50,
    "lines": [
      {"line_id": "INV-2024-000417-1", "description": "Premium 102 license fee, 8 seats",
       "quantity": 8, "unit_amount": 1562.50, "amount": 12500.00},
      {"line_id": "INV-2024-000417-2", "description": "Premium 102 location",
       "quantity": 1, "unit_amount": 12500.00, "amount": 12500.00}
    ],
    "payments": []
  },
  "INV-2024-000452": {
    "id": "INV-2024-000452",
    "number": "2024-000452",
    "status": "partially_paid",
    "account_id": "6bb0ea31-6ebf-4540-a136-ae516e9d0775",
    "account_name": "Capital City Logistics GmbH",
    "premium_deal_id": "e2683877-c388-448e-97a2-3b61976032dc",
    "currency": "USD",
    "issued_on": "2024-03-04",
    "due_on": "2024-04-03",
    "subtotal": 48600.00,
    "tax": 4009.50,
    "total": 52609.50,
    "amount_paid": 20000.00,
    "amount_due": 32609.50,
    "lines": [
      {"line_id": "INV-2024-000452-1", "description": "Club Suite 210 license fee, 12 seats",
       "quantity": 12, "unit_amount": 3000.00, "amount": 36000.00},
      {"line_id": "INV-2024-000452-2", "description": "Food and beverage package",
       "quantity": 1, "unit_amount": 4800.00, "amount": 4800.00},
      {"line_id": "INV-2024-000452-3", "description": "Rental, SRO and experience bank",
       "quantity": 1, "unit_amount": 7800.00, "amount": 7800.00}
    ],
    "payments": [
      {"payment_id": "PAY-2024-001190", "paid_on": "2024-03-18", "method": "wire_transfer",
       "amount": 20000.00}
    ]
  },
  "INV-2024-000498": {
    "id": "INV-2024-000498",
    "number": "2024-000498",
    "status": "paid",
    "account_id": "0d09acfb-2b78-4662-9c3f-426eab5f13c8",
    "account_name": "Ogdenville Dental Partners",
    "premium_deal_id": "0661c250-e653-4a96-8cd2-3f29c4289072",
    "currency": "USD",
    "issued_on": "2024-03-11",
    "due_on": "2024-04-10",
    "subtotal": 9800.00,
    "tax": 808.50,
    "total": 10608.50,
    "amount_paid": 10608.50,
    "amount_due": 0.00,
    "lines": [
      {"line_id": "INV-2024-000498-1", "description": "Loge Box 7 license fee, 4 seats",
       "quantity": 4, "unit_amount": 2000.00, "amount": 8000.00},
      {"line_id": "INV-2024-000498-2", "description": "Food and beverage package",
       "quantity": 1, "unit_amount": 1200.00, "amount": 1200.00},
      {"line_id": "INV-2024-000498-3", "description": "TAO spend",
       "quantity": 1, "unit_amount": 600.00, "amount": 600.00}
    ],
    "payments": [
      {"payment_id": "PAY-2024-001244", "paid_on": "2024-03-29", "method": "card",
       "amount": 10608.50}
    ]
  }
})json");
    return data;
}

constexpr std::string_view sub_lists[] = {"lines", "payments"};

mock_reply billing_error(unsigned status, std::string_view code, std::string_view message) {
    return json_reply(status, {{"error", {{"code", code}, {"message", message}}}});
}

// The invoice with only the sub-list expand names (none when empty); nullopt for an unknown
// expand value.
std::optional<fake_json> invoice_answer(const fake_json& invoice, const std::string& expand) {
    if (!expand.empty() &&
        std::find(std::begin(sub_lists), std::end(sub_lists), expand) == std::end(sub_lists)) {
        return std::nullopt;
    }
    fake_json answer = invoice;
    for (const auto list : sub_lists) {
        if (list != expand) {
            answer.erase(std::string(list));
        }
    }
    return answer;
}

} // namespace

fake_billing::fake_billing(std::string api_key, std::string api_key_header, const fake_auth& auth,
                           std::shared_ptr<ssl::context> tls)
    : api_key_(std::move(api_key)), auth_(auth),
      api_key_header_(boost::algorithm::to_lower_copy(api_key_header)),
      server_([this](const recorded_request& req) { return handle(req); }, std::move(tls)) {}

void fake_billing::set_api_key_header(std::string name) {
    std::lock_guard lock(mutex_);
    api_key_header_ = boost::algorithm::to_lower_copy(name);
}

std::string fake_billing::api_key_header() const {
    std::lock_guard lock(mutex_);
    return api_key_header_;
}

mock_reply fake_billing::handle(const recorded_request& req) const {
    const auto path = req.path();
    const auto segments = path_segments(path);
    if (segments.size() != 3 || segments[0] != "v1" || segments[1] != "invoices" ||
        segments[2].empty()) {
        return billing_error(404, "resource_missing", "No endpoint matches " + path + ".");
    }
    if (req.method != "GET") {
        return method_not_allowed(billing_error(405, "method_not_allowed", "Use GET."), "GET");
    }
    if (req.header(api_key_header()) != api_key_) {
        return billing_error(401, "invalid_api_key", "The API key is missing or invalid.");
    }
    if (!auth_.is_valid(bearer_token(req))) {
        return billing_error(401, "invalid_token", "The bearer token is missing or invalid.");
    }
    const std::string id(segments[2]);
    if (!invoices().contains(id)) {
        return billing_error(404, "resource_missing", "No invoice has the id " + id + ".");
    }
    const auto query = query_of(req);
    const auto answer =
        query ? invoice_answer(invoices()[id], form_field(*query, "expand")) : std::nullopt;
    if (!answer) {
        return billing_error(400, "invalid_request", "expand must be lines or payments.");
    }
    return json_reply(200, *answer);
}

std::vector<std::string> fake_billing::invoice_ids() {
    std::vector<std::string> ids;
    for (const auto& [id, invoice] : invoices().items()) {
        ids.push_back(id);
    }
    return ids;
}

} // namespace kore_gateway
