#include "kore_gateway/mock/fake_upstreams.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>

#include "kore_gateway/mock/catalog_samples.hpp"
#include "kore_gateway/mock/fake_http.hpp"

namespace kore_gateway {
namespace {

// A problem-details error, the shape of the Catalog API's ASP.NET back end.
mock_reply catalog_error(unsigned status, std::string_view detail) {
    return json_reply(status, {{"title", http::obsolete_reason(static_cast<http::status>(status))},
                               {"status", status},
                               {"detail", detail}});
}

const fake_json* find_by(const fake_json& list, const char* field, std::string_view id) {
    for (const auto& item : list) {
        if (item[field] == id) {
            return &item;
        }
    }
    return nullptr;
}

const fake_json* find_product(std::string_view product_id) {
    for (const auto& category : catalog_samples()) {
        if (const auto* product = find_by(category["products"], "productId", product_id)) {
            return product;
        }
    }
    return nullptr;
}

fake_json products_answer() {
    fake_json categories = catalog_samples();
    for (auto& category : categories) {
        for (auto& product : category["products"]) {
            product.erase("offers");
        }
    }
    return categories;
}

fake_json offers_answer(const fake_json& product) {
    fake_json offers = product["offers"];
    for (auto& offer : offers) {
        offer.erase("pricing");
    }
    return offers;
}

// A form value as text: elementValue may be a string or a number.
std::string as_text(const fake_json& value) {
    return value.is_string() ? value.get<std::string>() : value.dump();
}

std::optional<double> as_number(const fake_json& value) {
    if (value.is_number()) {
        return value.get<double>();
    }
    if (!value.is_string()) {
        return std::nullopt;
    }
    const auto text = value.get<std::string>();
    double number = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return number;
}

// table[a][b] as a number, 0 when absent.
double lookup(const fake_json& table, const std::string& a, const std::string& b = {}) {
    if (!table.contains(a)) {
        return 0;
    }
    const auto& entry = table[a];
    return b.empty() ? entry.get<double>() : entry.value(b, 0.0);
}

double round_cents(double amount) {
    return std::round(amount * 100) / 100;
}

// The reseller's share of the customer price.
constexpr double partner_discount_rate = 0.15;

// The price of offer configured by body's formData: elements left out take their default (the
// first option of a choice), a quantity element multiplies, a choice adds its surcharge and any
// other number element adds value x rate per unit.
mock_reply price_answer(const fake_json& offer, const fake_json& body) {
    if (!body.is_object() || !body.contains("formData") || !body["formData"].is_array()) {
        return catalog_error(400, "The formData field is required.");
    }
    if (body.contains("priceDate") && !body["priceDate"].is_string()) {
        return catalog_error(400, "The priceDate field must be a date-time string.");
    }
    std::map<std::string, fake_json> values;
    for (const auto& entry : body["formData"]) {
        if (!entry.is_object() || !entry.contains("elementKey") ||
            !entry["elementKey"].is_string()) {
            return catalog_error(400, "Every formData entry needs an elementKey.");
        }
        values[entry["elementKey"].get<std::string>()] = entry.value("elementValue", fake_json());
    }

    const auto& pricing = offer["pricing"];
    const auto& plan = offer["offerPricingPlan"];
    const fake_json no_table = fake_json::object();
    const auto& surcharges = pricing.contains("surcharges") ? pricing["surcharges"] : no_table;
    const auto& rates = pricing.contains("rates") ? pricing["rates"] : no_table;
    double unit = pricing["unitPrice"].get<double>();
    double quantity = 1;
    for (const auto& element : plan["pricingPlanFormElements"]) {
        const auto key = element["elementKey"].get<std::string>();
        const auto given = values.find(key);
        const auto& options = element["elementOptions"];
        if (!options.empty()) {
            auto chosen = options[0]["elementOptionValue"].get<std::string>();
            if (given != values.end()) {
                chosen = as_text(given->second);
                if (!find_by(options, "elementOptionValue", chosen)) {
                    return catalog_error(400, "'" + chosen + "' is not an option of " + key + ".");
                }
            }
            unit += lookup(surcharges, key, chosen);
        } else if (element["elementType"] == "number") {
            auto number = element["elementDefaultValue"].get<double>();
            if (given != values.end()) {
                const auto parsed = as_number(given->second);
                if (!parsed || *parsed < element["elementMinValue"].get<double>() ||
                    *parsed > element["elementMaxValue"].get<double>()) {
                    return catalog_error(400, key + " must be a number between " +
                                                  element["elementMinValue"].dump() + " and " +
                                                  element["elementMaxValue"].dump() + ".");
                }
                number = *parsed;
            }
            if (element["elementIsQuantity"].get<bool>()) {
                quantity = number;
            } else {
                unit += number * lookup(rates, key);
            }
        }
    }

    const auto& cycles = plan["pricingPlanAvailableBillingCycles"];
    auto frequency = cycles[0].get<std::string>();
    if (const auto cycle = values.find("billingCycle"); cycle != values.end()) {
        frequency = as_text(cycle->second);
        if (std::find(cycles.begin(), cycles.end(), frequency) == cycles.end()) {
            return catalog_error(400, "'" + frequency + "' is not a billing cycle of this offer.");
        }
    }
    const double total = unit * quantity * (frequency == "yearly" ? 12 : 1);
    const double discount = round_cents(total * partner_discount_rate);
    return json_reply(200, {{"customerUnitPrice", round_cents(unit)},
                            {"customerTotalPrice", round_cents(total)},
                            {"currencyCode", "EUR"},
                            {"hasUsage", pricing["hasUsage"]},
                            {"billingFrequency", frequency},
                            {"partnerDiscount", discount},
                            {"partnerTotalPrice", round_cents(total - discount)}});
}

mock_reply products_route(const recorded_request& req) {
    if (req.method != "GET") {
        return method_not_allowed(catalog_error(405, "Use GET."), "GET");
    }
    return json_reply(200, products_answer());
}

mock_reply offers_route(const recorded_request& req, std::string_view product_id) {
    if (req.method != "GET") {
        return method_not_allowed(catalog_error(405, "Use GET."), "GET");
    }
    if (query_value(req, "customerId").empty()) {
        return catalog_error(400, "The customerId query parameter is required.");
    }
    const auto* product = find_product(product_id);
    if (!product) {
        return catalog_error(404, "Product " + std::string(product_id) + " was not found.");
    }
    return json_reply(200, offers_answer(*product));
}

mock_reply price_route(const recorded_request& req, std::string_view product_id,
                       std::string_view offer_id) {
    if (req.method != "POST") {
        return method_not_allowed(catalog_error(405, "Use POST."), "POST");
    }
    const auto* product = find_product(product_id);
    const auto* offer = product ? find_by((*product)["offers"], "offerId", offer_id) : nullptr;
    if (!offer) {
        return catalog_error(404, "Offer " + std::string(offer_id) + " of product " +
                                      std::string(product_id) + " was not found.");
    }
    const auto body = fake_json::parse(req.body, nullptr, false);
    if (body.is_discarded()) {
        return catalog_error(400, "The request body is not valid JSON.");
    }
    return price_answer(*offer, body);
}

} // namespace

fake_catalog::fake_catalog(std::string api_key, const fake_auth* auth,
                           std::shared_ptr<ssl::context> tls)
    : api_key_(std::move(api_key)), auth_(auth),
      server_([this](const recorded_request& req) { return handle(req); }, std::move(tls)) {}

mock_reply fake_catalog::handle(const recorded_request& req) const {
    if (!api_key_.empty() && req.header("x-api-key") != api_key_) {
        return catalog_error(401, "The X-Api-Key header is missing or invalid.");
    }
    if (auth_ && !auth_->is_valid(bearer_token(req))) {
        return catalog_error(401, "The bearer token is missing, invalid or expired.");
    }
    const auto path = req.path();
    const auto segments = path_segments(path);
    const bool products = segments.size() >= 3 && segments[0] == "api" && segments[1] == "v1" &&
                          segments[2] == "products";
    if (products && segments.size() == 3) {
        return products_route(req);
    }
    if (products && segments.size() == 5 && segments[4] == "offers") {
        return offers_route(req, segments[3]);
    }
    if (products && segments.size() == 7 && segments[4] == "offers" && segments[6] == "price") {
        return price_route(req, segments[3], segments[5]);
    }
    return catalog_error(404, "No endpoint matches " + path + ".");
}

} // namespace kore_gateway
