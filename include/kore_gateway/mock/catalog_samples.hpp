// The Catalog fake's data (fake_upstreams.hpp): categories, their products and each product's
// offers with the pricing the fake computes prices from.
#pragma once

#include "kore_gateway/mock/fake_http.hpp"

namespace kore_gateway {

// Shaped like the Catalog API's products answer, sample_product_id and sample_offer_id among
// them. Two members are the fake's own: a product's "offers" (the offers answer, not part of the
// products answer) and an offer's "pricing" (what prices are computed from, never sent); the fake
// removes both before answering.
const fake_json& catalog_samples();

} // namespace kore_gateway
