// The request_handler the listener holds for the life of the process: it hands each request to
// the dispatcher of the current configuration snapshot and keeps that snapshot alive until the
// request is answered, so a reload swaps the snapshot without dropping or re-routing anything in
// flight (CONTRACT.md section 14).
#pragma once

#include <atomic>
#include <memory>

#include "kore_gateway/app/gateway_snapshot.hpp"
#include "kore_gateway/http/exchange.hpp"

namespace kore_gateway {

class snapshot_handler final : public request_handler {
public:
    explicit snapshot_handler(std::shared_ptr<gateway_snapshot> first)
        : current_(std::move(first)) {}

    // Requests that start after this call use next; thread-safe.
    void install(std::shared_ptr<gateway_snapshot> next) { current_.store(std::move(next)); }
    std::shared_ptr<gateway_snapshot> current() const { return current_.load(); }

    void handle(request req, const request_context& ctx, respond_fn done) override;
    response reject(rejection why, std::string_view detail, const http::request_header<>* header,
                    const request_context& ctx) override;
    std::optional<response> answer_before_body(const http::request_header<>& header,
                                               const request_context& ctx) override;

private:
    std::atomic<std::shared_ptr<gateway_snapshot>> current_;
};

} // namespace kore_gateway
