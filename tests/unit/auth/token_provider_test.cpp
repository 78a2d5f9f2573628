#include "kore_gateway/auth/token_provider.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "unit/auth/fake_auth_server.hpp"

namespace kore_gateway {
namespace {

using namespace std::chrono_literals;
using testing::fake_auth_server;
using testing::http_answer;
using testing::token_answer;
using testing::transport_failure;

// Collects async_get outcomes from any thread.
class outcomes {
public:
    struct outcome {
        token_errc error;
        std::shared_ptr<const token_snapshot> token;
    };

    token_callback collector() {
        return [this](token_errc error, std::shared_ptr<const token_snapshot> token) {
            std::lock_guard lock(mutex_);
            list_.push_back({error, std::move(token)});
            changed_.notify_all();
        };
    }

    // Waits, at most a few seconds, until n outcomes have arrived; returns them.
    std::vector<outcome> wait_for(std::size_t n) {
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, 5s, [&] { return list_.size() >= n; });
        return list_;
    }

    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return list_.size();
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<outcome> list_;
};

class token_provider_test : public ::testing::Test {
protected:
    void SetUp() override {
        for (int i = 0; i < 4; ++i) {
            threads_.emplace_back([this] { ioc_.run(); });
        }
    }

    void TearDown() override {
        if (provider_) {
            provider_->stop();
        }
        server_->drop_pending();
        work_.reset();
        ioc_.stop();
        for (auto& t : threads_) {
            t.join();
        }
    }

    void make_provider(const clock& clk, token_observers observers = {}) {
        client_credentials credentials;
        credentials.token_url = *parse_url("https://auth.example.test/connect/token");
        credentials.client_id = "gateway";
        credentials.client_secret = "very-secret";
        credentials.scope = "pss-api";
        provider_ = token_provider::create(ioc_.get_executor(), server_, credentials, clk, "kore",
                                           std::move(observers));
    }

    // Calls async_get n times, spread over four threads, and returns once every call was made.
    void get_from_threads(int n) {
        std::vector<std::thread> callers;
        for (int k = 0; k < 4; ++k) {
            callers.emplace_back([this, n, k] {
                for (int i = k; i < n; i += 4) {
                    provider_->async_get(outcomes_.collector());
                }
            });
        }
        for (auto& t : callers) {
            t.join();
        }
    }

    // Starts the provider and answers its first request with a token.
    std::shared_ptr<const token_snapshot> obtain_first(const std::string& access_token,
                                                       int expires_in = 3600) {
        provider_->start();
        EXPECT_TRUE(server_->wait_for_requests(1));
        server_->answer(token_answer(access_token, expires_in));
        const auto before = outcomes_.size();
        provider_->async_get(outcomes_.collector());
        const auto got = outcomes_.wait_for(before + 1);
        EXPECT_EQ(got.size(), before + 1);
        return got.empty() ? nullptr : got.back().token;
    }

    // True once async_get hands out the token access_token: it is published on the provider's
    // strand after the answer, so this asks until it is there.
    bool eventually_token(const std::string& access_token) {
        return testing::eventually([&] {
            const auto before = outcomes_.size();
            provider_->async_get(outcomes_.collector());
            const auto got = outcomes_.wait_for(before + 1);
            return got.size() > before && got.back().token &&
                   got.back().token->access_token == access_token;
        });
    }

    // Waits until the provider has taken in the failed answer (and so fixed its retry time on
    // the clock as it is now).
    void wait_until_failed(upstream_errc error = upstream_errc::connect_failed) {
        const auto failed_status =
            "last token request failed: unavailable (auth server unreachable: " +
            std::string(to_string(error)) + ")";
        EXPECT_TRUE(testing::eventually([&] { return provider_->status() == failed_status; }))
            << provider_->status();
    }

    net::io_context ioc_;
    net::executor_work_guard<net::io_context::executor_type> work_{ioc_.get_executor()};
    std::vector<std::thread> threads_;
    manual_clock clock_;
    outcomes outcomes_;
    std::shared_ptr<fake_auth_server> server_ = std::make_shared<fake_auth_server>();
    std::shared_ptr<token_provider> provider_;
};

TEST_F(token_provider_test, fifty_concurrent_gets_send_one_request_and_share_its_token) {
    make_provider(clock_);
    get_from_threads(50);
    ASSERT_TRUE(server_->wait_for_requests(1));
    EXPECT_EQ(outcomes_.size(), 0u) << "nobody may be answered before the token arrives";
    EXPECT_FALSE(provider_->has_usable_token());

    ASSERT_TRUE(server_->answer(token_answer("tok-1")));
    const auto got = outcomes_.wait_for(50);
    ASSERT_EQ(got.size(), 50u);
    for (const auto& o : got) {
        EXPECT_EQ(o.error, token_errc::ok);
        ASSERT_NE(o.token, nullptr);
        EXPECT_EQ(o.token, got.front().token);
        EXPECT_EQ(o.token->access_token, "tok-1");
    }
    EXPECT_EQ(server_->request_count(), 1u);
    EXPECT_TRUE(provider_->has_usable_token());
}

TEST_F(token_provider_test, a_failure_reaches_every_waiter_and_later_gets_fail_fast) {
    make_provider(clock_);
    get_from_threads(20);
    ASSERT_TRUE(server_->wait_for_requests(1));
    ASSERT_TRUE(server_->answer(http_answer(http::status::internal_server_error, "{}")));
    auto got = outcomes_.wait_for(20);
    ASSERT_EQ(got.size(), 20u);
    for (const auto& o : got) {
        EXPECT_EQ(o.error, token_errc::rejected);
        EXPECT_EQ(o.token, nullptr);
    }

    // Within the backoff delay: an answer at once, and nothing sent to the auth server.
    get_from_threads(8);
    got = outcomes_.wait_for(28);
    ASSERT_EQ(got.size(), 28u);
    for (std::size_t i = 20; i < got.size(); ++i) {
        EXPECT_EQ(got[i].error, token_errc::rejected);
    }
    EXPECT_EQ(server_->request_count(), 1u);

    // After the longest possible delay the next caller (or the retry timer) sends one request.
    clock_.advance(31s);
    provider_->async_get(outcomes_.collector());
    ASSERT_TRUE(server_->wait_for_requests(2));
    ASSERT_TRUE(server_->answer(token_answer("tok-2")));
    got = outcomes_.wait_for(29);
    ASSERT_EQ(got.size(), 29u);
    EXPECT_EQ(got.back().error, token_errc::ok);
    EXPECT_EQ(got.back().token->access_token, "tok-2");
    EXPECT_EQ(server_->request_count(), 2u);
}

TEST_F(token_provider_test, many_rejections_of_one_token_cause_one_renewal) {
    make_provider(clock_);
    const auto first = obtain_first("tok-1");
    ASSERT_NE(first, nullptr);
    ASSERT_TRUE(provider_->has_usable_token());

    std::vector<std::thread> reporters;
    for (int k = 0; k < 4; ++k) {
        reporters.emplace_back([this, first] {
            for (int i = 0; i < 12; ++i) {
                provider_->invalidate(first);
            }
        });
    }
    for (auto& t : reporters) {
        t.join();
    }
    EXPECT_FALSE(provider_->has_usable_token()) << "a rejected token must not be handed out";

    // Posted after every invalidate, so these are decided after all of them.
    get_from_threads(10);
    ASSERT_TRUE(server_->wait_for_requests(2));
    ASSERT_TRUE(server_->answer(token_answer("tok-2")));
    const auto got = outcomes_.wait_for(11);
    ASSERT_EQ(got.size(), 11u);
    for (std::size_t i = 1; i < got.size(); ++i) {
        EXPECT_EQ(got[i].error, token_errc::ok);
        ASSERT_NE(got[i].token, nullptr);
        EXPECT_EQ(got[i].token->access_token, "tok-2");
    }
    EXPECT_EQ(server_->request_count(), 2u);
}

TEST_F(token_provider_test, a_token_past_refresh_at_is_not_handed_out) {
    make_provider(clock_);
    const auto first = obtain_first("tok-1", 100);
    ASSERT_NE(first, nullptr);
    EXPECT_LE(first->refresh_at - first->obtained_at, 90s);

    clock_.advance(first->refresh_at - clock_.now() - 1ms);
    provider_->async_get(outcomes_.collector());
    auto got = outcomes_.wait_for(2);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got.back().token, first);

    clock_.advance(1ms);
    EXPECT_FALSE(provider_->has_usable_token());
    provider_->async_get(outcomes_.collector());
    ASSERT_TRUE(server_->wait_for_requests(2));
    EXPECT_EQ(outcomes_.size(), 2u);
    ASSERT_TRUE(server_->answer(token_answer("tok-2")));
    got = outcomes_.wait_for(3);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got.back().token->access_token, "tok-2");
}

// The renewal and retry timer runs on the provider's clock: these advance it past the wake-up.
TEST_F(token_provider_test, renews_in_the_background_before_the_token_goes_stale) {
    make_provider(clock_);
    const auto first = obtain_first("tok-1", 100);
    ASSERT_NE(first, nullptr);
    // Renewal starts at 80 % of the lifetime, ahead of refresh_at.
    clock_.advance(79s);
    EXPECT_EQ(server_->request_count(), 1u);
    clock_.advance(1s);
    ASSERT_TRUE(server_->wait_for_requests(2)) << "no renewal once the renewal time came";
    EXPECT_TRUE(provider_->has_usable_token()) << "the old token serves until its refresh_at";
    ASSERT_TRUE(server_->answer(token_answer("tok-2", 100)));
    ASSERT_TRUE(eventually_token("tok-2"));

    clock_.advance(80s);
    ASSERT_TRUE(server_->wait_for_requests(3)) << "the renewed token was not renewed in turn";
    EXPECT_EQ(server_->request_count(), 3u);
}

TEST_F(token_provider_test, keeps_retrying_in_the_background_after_a_failure) {
    make_provider(clock_);
    provider_->start();
    ASSERT_TRUE(server_->wait_for_requests(1));
    ASSERT_TRUE(server_->answer(transport_failure(upstream_errc::connect_failed)));
    // Past the longest backoff delay, with no caller asking: only the timer can send it.
    wait_until_failed();
    clock_.advance(31s);
    ASSERT_TRUE(server_->wait_for_requests(2)) << "no retry once the backoff delay passed";
    ASSERT_TRUE(server_->answer(transport_failure(upstream_errc::timeout)));
    wait_until_failed(upstream_errc::timeout);
    clock_.advance(31s);
    ASSERT_TRUE(server_->wait_for_requests(3)) << "no second retry once its delay passed";
    ASSERT_TRUE(server_->answer(token_answer("tok-1")));
    ASSERT_TRUE(eventually_token("tok-1"));
    EXPECT_EQ(server_->request_count(), 3u);
}

TEST_F(token_provider_test, stop_fails_the_waiters_and_later_gets) {
    make_provider(clock_);
    provider_->async_get(outcomes_.collector());
    ASSERT_TRUE(server_->wait_for_requests(1));
    provider_->stop();
    auto got = outcomes_.wait_for(1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got.front().error, token_errc::unavailable);

    ASSERT_TRUE(server_->answer(token_answer("tok-late")));
    provider_->async_get(outcomes_.collector());
    got = outcomes_.wait_for(2);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got.back().error, token_errc::unavailable);
    EXPECT_FALSE(provider_->has_usable_token());
}

TEST_F(token_provider_test, status_tells_the_state_but_never_the_token) {
    make_provider(clock_);
    EXPECT_EQ(provider_->status(), "no token yet");

    provider_->async_get(outcomes_.collector());
    ASSERT_TRUE(server_->wait_for_requests(1));
    ASSERT_TRUE(server_->answer(http_answer(http::status::unauthorized, R"({"error":"x"})")));
    outcomes_.wait_for(1);
    EXPECT_EQ(provider_->status(),
              "last token request failed: rejected (auth server answered HTTP 401)");
    EXPECT_FALSE(provider_->has_usable_token());

    clock_.advance(31s);
    provider_->async_get(outcomes_.collector());
    ASSERT_TRUE(server_->wait_for_requests(2));
    ASSERT_TRUE(server_->answer(token_answer("Zq9vX-secret-token")));
    ASSERT_EQ(outcomes_.wait_for(2).size(), 2u);
    const auto status = provider_->status();
    EXPECT_EQ(status, "token valid for 3600 s");
    EXPECT_EQ(status.find("Zq9vX"), std::string::npos);
    EXPECT_TRUE(provider_->has_usable_token());
}

TEST_F(token_provider_test, observers_count_requests_and_failures) {
    // Shared with the provider, which may outlive this function until TearDown stops it.
    const auto requests = std::make_shared<std::atomic<int>>(0);
    const auto failures = std::make_shared<std::atomic<int>>(0);
    make_provider(clock_, {[requests] { ++*requests; }, [failures] { ++*failures; }});
    provider_->async_get(outcomes_.collector());
    ASSERT_TRUE(server_->wait_for_requests(1));
    ASSERT_TRUE(server_->answer(http_answer(http::status::ok, "<html></html>", "text/html")));
    ASSERT_EQ(outcomes_.wait_for(1).size(), 1u);
    EXPECT_EQ(requests->load(), 1);
    EXPECT_EQ(failures->load(), 1);

    clock_.advance(31s);
    provider_->async_get(outcomes_.collector());
    ASSERT_TRUE(server_->wait_for_requests(2));
    ASSERT_TRUE(server_->answer(token_answer("tok")));
    ASSERT_EQ(outcomes_.wait_for(2).size(), 2u);
    EXPECT_EQ(requests->load(), 2);
    EXPECT_EQ(failures->load(), 1);
}

} // namespace
} // namespace kore_gateway
