// An upstream_client standing in for an OAuth2 auth server: it records every request and keeps
// its callback until the test answers it, from whichever thread the test chooses.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "kore_gateway/upstream/upstream_client.hpp"

namespace kore_gateway::testing {

class fake_auth_server final : public upstream_client {
public:
    void async_exchange(upstream_request req, upstream_callback done) override {
        std::lock_guard lock(mutex_);
        requests_.push_back(std::move(req));
        pending_.push_back(std::move(done));
        arrived_.notify_all();
    }

    // Waits, at most timeout, until at least n requests have arrived.
    bool wait_for_requests(std::size_t n,
                           std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        std::unique_lock lock(mutex_);
        return arrived_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
    }

    std::size_t request_count() const {
        std::lock_guard lock(mutex_);
        return requests_.size();
    }

    upstream_request request(std::size_t i) const {
        std::lock_guard lock(mutex_);
        return requests_.at(i);
    }

    // Answers the oldest unanswered request on the calling thread; false when none is pending.
    bool answer(upstream_result result) {
        upstream_callback done;
        {
            std::lock_guard lock(mutex_);
            if (pending_.empty()) {
                return false;
            }
            done = std::move(pending_.front());
            pending_.pop_front();
        }
        done(std::move(result));
        return true;
    }

    // Forgets unanswered requests, releasing whatever their callbacks keep alive.
    void drop_pending() {
        std::deque<upstream_callback> dropped;
        std::lock_guard lock(mutex_);
        dropped.swap(pending_);
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable arrived_;
    std::vector<upstream_request> requests_;
    std::deque<upstream_callback> pending_;
};

inline upstream_result http_answer(http::status status, std::string body,
                                   std::string content_type = "application/json") {
    upstream_result result;
    result.response.result(status);
    result.response.set(http::field::content_type, content_type);
    result.response.body() = std::move(body);
    result.response.prepare_payload();
    return result;
}

inline upstream_result token_answer(const std::string& access_token, int expires_in = 3600) {
    return http_answer(http::status::ok, R"({"access_token":")" + access_token +
                                             R"(","token_type":"Bearer","expires_in":)" +
                                             std::to_string(expires_in) + "}");
}

inline upstream_result transport_failure(upstream_errc error) {
    upstream_result result;
    result.error = error;
    return result;
}

} // namespace kore_gateway::testing
