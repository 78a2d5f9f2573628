#include "kore_gateway/app/snapshot_handler.hpp"

namespace kore_gateway {

void snapshot_handler::handle(request req, const request_context& ctx, respond_fn done) {
    auto snapshot = current();
    auto& dispatcher = snapshot->dispatcher();
    dispatcher.handle(std::move(req), ctx, std::move(done), std::move(snapshot));
}

response snapshot_handler::reject(rejection why, std::string_view detail,
                                  const http::request_header<>* header,
                                  const request_context& ctx) {
    return current()->dispatcher().reject(why, detail, header, ctx);
}

std::optional<response> snapshot_handler::answer_before_body(const http::request_header<>& header,
                                                             const request_context& ctx) {
    return current()->dispatcher().answer_before_body(header, ctx);
}

} // namespace kore_gateway
