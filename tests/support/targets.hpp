// Request targets and an Origin that many gateway tests send, for the fake upstreams' sample data.
#pragma once

#include <string>

#include "kore_gateway/mock/fake_kore.hpp"
#include "kore_gateway/mock/fake_upstreams.hpp"

namespace kore_gateway::testing {

// The fake catalog's product list.
inline const std::string products_path = "/catalog/products";
// The fake KORE's deal of sample_opportunity_id.
inline const std::string deal_target = "/deals/" + std::string(sample_opportunity_id);
// The price of the fake catalog's sample offer (POST, without a query).
inline const std::string price_target = "/catalog/products/" + std::string(sample_product_id) +
                                        "/offers/" + std::string(sample_offer_id) + "/price";
// A browser app calling across origins; a test allows it in cors_origins when it needs to.
inline const std::string app_origin = "https://app.example";

} // namespace kore_gateway::testing
