// A fake third-party billing API for the example config of a third upstream
// (config/examples/third-upstream-basic-auth.json): GET /v1/invoices/{invoiceId}[?expand=lines
// |payments], with an API key in a header of its own and a bearer token from a fake_auth that
// requires HTTP Basic client authentication and an audience. Used by the tests and --demo.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "kore_gateway/mock/mock_server.hpp"

namespace kore_gateway {

class fake_auth;

// The first invoice the fake knows.
inline constexpr std::string_view sample_invoice_id = "INV-2024-000417";

// Thread-safe.
class fake_billing {
public:
    // Requests must carry api_key in the header api_key_header and a token auth issued.
    fake_billing(std::string api_key, std::string api_key_header, const fake_auth& auth,
                 std::shared_ptr<ssl::context> tls = nullptr);

    mock_server& server() { return server_; }
    std::string base_url() const { return server_.base_url(); }
    mock_reply handle(const recorded_request& req) const;

    // The header the API key must come in from now on (a demo config may name its own).
    void set_api_key_header(std::string name);
    std::string api_key_header() const;

    // The invoices the fake knows; the first is sample_invoice_id.
    static std::vector<std::string> invoice_ids();

private:
    const std::string api_key_;
    const fake_auth& auth_;
    mutable std::mutex mutex_;
    std::string api_key_header_; // lower case, as recorded_request keeps header names
    mock_server server_;         // last: its thread may call handle() as soon as it exists
};

} // namespace kore_gateway
