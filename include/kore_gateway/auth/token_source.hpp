// The seam between forwarding and token management: "give me a usable bearer token".
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace kore_gateway {

// An immutable token as published to readers; replaced, never mutated.
struct token_snapshot {
    std::string access_token;
    std::chrono::steady_clock::time_point obtained_at;
    std::chrono::steady_clock::time_point expires_at;
    std::chrono::steady_clock::time_point refresh_at; // 90% of the lifetime at the latest
};

enum class token_errc {
    ok,
    unavailable,      // auth server unreachable / timeout / TLS failure
    rejected,         // auth server answered a non-2xx status
    invalid_response, // 2xx but no usable access_token
};

std::string_view to_string(token_errc e);

using token_callback = std::function<void(token_errc, std::shared_ptr<const token_snapshot>)>;

class token_source {
public:
    virtual ~token_source() = default;
    // Calls done exactly once, from any thread, with a token that is not past its refresh_at, or
    // with the reason none could be had.
    virtual void async_get(token_callback done) = 0;
    // The upstream answered 401 with this token: forget it so that the next async_get renews.
    virtual void invalidate(const std::shared_ptr<const token_snapshot>& rejected) = 0;
    // Readiness: a usable token is held right now, without waiting.
    virtual bool has_usable_token() const = 0;
    // Human-readable state for /readyz ("no token yet", "last token request failed: ...").
    virtual std::string status() const = 0;
};

} // namespace kore_gateway
