// A request_handler for the server's unit tests: records what a session hands on and answers each
// request with its target as the body, at once or when the test says.
#pragma once

#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kore_gateway/http/exchange.hpp"
#include "kore_gateway/http/shared_body.hpp"

namespace kore_gateway::testing {

class recording_handler final : public request_handler {
public:
    struct seen {
        std::string method;
        std::string target;
        std::string body;
        std::string client_ip;
    };

    // hold: keep each request's completion until answer_next() instead of answering at once.
    explicit recording_handler(bool hold = false) : hold_(hold) {}

    void handle(request req, const request_context& ctx, respond_fn done) override {
        std::unique_lock lock(mutex_);
        seen_.push_back({std::string(req.method_string()), std::string(req.target()), req.body(),
                         ctx.client_ip});
        if (hold_) {
            held_.push_back({std::string(req.target()), std::move(done)});
            return;
        }
        lock.unlock();
        done(answer(req.target()));
    }

    // The status the gateway gives each rejection; the test checks which rejection it was.
    response reject(rejection why, std::string_view, const http::request_header<>*,
                    const request_context&) override {
        const std::lock_guard lock(mutex_);
        rejections_.push_back(why);
        response res{status_of(why), 11};
        res.body() = make_body("rejected");
        return res;
    }

    // Decides a request under /early from its header alone (a 404): its body is never read.
    std::optional<response> answer_before_body(const http::request_header<>& header,
                                               const request_context&) override {
        if (!header.target().starts_with("/early")) {
            return std::nullopt;
        }
        const std::lock_guard lock(mutex_);
        ++early_answers_;
        response res{http::status::not_found, 11};
        res.body() = make_body("early");
        return res;
    }

    // Answers the oldest held request; the completion is dropped afterwards, as a real handler's
    // is, so that it does not keep the session alive.
    void answer_next() {
        std::unique_lock lock(mutex_);
        auto next = std::move(held_.front());
        held_.pop_front();
        lock.unlock();
        next.done(answer(next.target));
    }

    std::vector<seen> requests() const {
        const std::lock_guard lock(mutex_);
        return seen_;
    }
    std::vector<rejection> rejections() const {
        const std::lock_guard lock(mutex_);
        return rejections_;
    }
    std::size_t held() const {
        const std::lock_guard lock(mutex_);
        return held_.size();
    }
    std::size_t early_answers() const {
        const std::lock_guard lock(mutex_);
        return early_answers_;
    }

    static http::status status_of(rejection why) {
        switch (why) {
        case rejection::malformed:
        case rejection::bad_header:
            return http::status::bad_request;
        case rejection::not_implemented:
            return http::status::not_implemented;
        case rejection::headers_too_big:
            return http::status::request_header_fields_too_large;
        case rejection::body_too_big:
            return http::status::payload_too_large;
        }
        return http::status::internal_server_error;
    }

private:
    struct held_request {
        std::string target;
        respond_fn done;
    };

    static response answer(std::string_view target) {
        response res{http::status::ok, 11};
        res.set(http::field::content_type, "text/plain");
        res.body() = make_body(std::string(target));
        return res;
    }

    const bool hold_;
    mutable std::mutex mutex_;
    std::vector<seen> seen_;
    std::deque<held_request> held_;
    std::vector<rejection> rejections_;
    std::size_t early_answers_ = 0;
};

} // namespace kore_gateway::testing
