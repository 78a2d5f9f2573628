// The per-request state of request_dispatcher, shared by its two source files (the request flow
// and the gateway's own endpoints); nothing else includes it.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "kore_gateway/gateway/request_dispatcher.hpp"
#include "kore_gateway/http/trace_context.hpp"

namespace kore_gateway {

struct request_dispatcher::exchange {
    std::string request_id;
    request req; // what origin, method, path and query point into, while the exchange lasts
    std::string_view origin;
    std::string_view method;
    std::string_view path;
    std::string_view query;
    std::string_view route = "unmatched";
    bool cacheable = false; // a route whose answers the gateway caches (CONTRACT.md section 16)
    bool head = false;
    // The per-IP limit waits for client authentication: the request carries the key of a
    // client with a rate limit of its own (CONTRACT.md section 17).
    bool ip_limit_deferred = false;
    std::string client_ip;
    request_trace trace;                   // continued or started; its id is in the access log
    std::optional<client_identity> client; // once client authentication named one
    std::chrono::steady_clock::time_point start;
    respond_fn done;
    std::shared_ptr<const void> pin; // the configuration snapshot, alive until the answer
};

// A request target split at its first '?': the path and the query (without the '?').
inline std::pair<std::string_view, std::string_view> split_target(std::string_view target) {
    const auto question = target.find('?');
    if (question == std::string_view::npos) {
        return {target, {}};
    }
    return {target.substr(0, question), target.substr(question + 1)};
}

} // namespace kore_gateway
