// The upstreams the gateway talks to, faked on mock_server with data shaped exactly like the API
// documentation: the OAuth2 token server and identity provider (fake_auth.hpp), KORE's premium
// deal API (fake_kore.hpp), both included here, and the Catalog API. Used by the integration tests
// and by --demo.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "kore_gateway/mock/fake_auth.hpp"
#include "kore_gateway/mock/fake_kore.hpp"
#include "kore_gateway/mock/mock_server.hpp"

namespace kore_gateway {

// Ids the Catalog fake knows, for tests and the demo (fake_kore.hpp has the KORE ones).
inline constexpr std::string_view sample_product_id = "0e809ad4-2179-4210-9b1d-fc7c3717a4ea";
inline constexpr std::string_view sample_offer_id = "fdb231fb-f671-4fc7-87a5-47a317e35847";

// The Catalog API: products, offers of a product for a customer, and the price of an offer
// configuration.
class fake_catalog {
public:
    // An empty api_key is not checked; without auth no bearer token is checked.
    explicit fake_catalog(std::string api_key = {}, const fake_auth* auth = nullptr,
                          std::shared_ptr<ssl::context> tls = nullptr);

    mock_server& server() { return server_; }
    std::string base_url() const { return server_.base_url(); }
    mock_reply handle(const recorded_request& req) const;

private:
    const std::string api_key_;
    const fake_auth* auth_;
    mock_server server_;
};

} // namespace kore_gateway
