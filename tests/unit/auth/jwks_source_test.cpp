#include "kore_gateway/auth/jwks_source.hpp"

#include <atomic>
#include <deque>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "kore_gateway/mock/jwt_signer.hpp"

namespace kore_gateway {
namespace {

using namespace std::chrono_literals;

// The identity provider's keys, generated once: EC keys are quick, but not free.
const jwt_signer& key_1() {
    static const jwt_signer signer(jwt_alg::es256, "k1");
    return signer;
}

const jwt_signer& key_2() {
    static const jwt_signer signer(jwt_alg::es256, "k2");
    return signer;
}

upstream_result answer(http::status status, std::string body, std::string cache_control = "") {
    upstream_result result;
    result.response.result(status);
    if (!cache_control.empty()) {
        result.response.set(http::field::cache_control, cache_control);
    }
    result.response.body() = std::move(body);
    result.response.prepare_payload();
    return result;
}

upstream_result jwks_answer(const std::vector<const jwt_signer*>& signers,
                            std::string cache_control = "") {
    return answer(http::status::ok, jwt_signer::jwks(signers).dump(), std::move(cache_control));
}

upstream_result failure(upstream_errc error) {
    upstream_result result;
    result.error = error;
    return result;
}

// The identity provider as the source sees it: records each request with the (manual) time it
// was sent, answers it from the script when the script has an answer, else holds it until the
// test answers.
class scripted_idp final : public upstream_client {
public:
    struct request {
        upstream_request req;
        clock::time_point at;
    };

    scripted_idp(net::any_io_executor executor, const clock& clk)
        : executor_(std::move(executor)), clock_(clk) {}

    void async_exchange(upstream_request req, upstream_callback done) override {
        requests_.push_back({std::move(req), clock_.now()});
        if (script_.empty()) {
            pending_.push_back(std::move(done));
            return;
        }
        net::post(executor_,
                  [done = std::move(done), result = std::move(script_.front())] { done(result); });
        script_.pop_front();
    }

    void script(upstream_result result) { script_.push_back(std::move(result)); }

    // Answers the oldest held request; false when none is held.
    bool answer_held(upstream_result result) {
        if (pending_.empty()) {
            return false;
        }
        auto done = std::move(pending_.front());
        pending_.pop_front();
        done(std::move(result));
        return true;
    }

    std::size_t held() const { return pending_.size(); }
    const std::vector<request>& requests() const { return requests_; }
    void drop_held() { pending_.clear(); }

private:
    net::any_io_executor executor_;
    const clock& clock_;
    std::deque<upstream_result> script_;
    std::deque<upstream_callback> pending_;
    std::vector<request> requests_;
};

std::vector<std::string> kids(const std::shared_ptr<const jwk_set>& set) {
    std::vector<std::string> result;
    if (set) {
        for (const auto& key : set->keys) {
            result.push_back(key.kid);
        }
    }
    return result;
}

class jwks_source_test : public ::testing::Test {
protected:
    void SetUp() override { make_source(); }

    void TearDown() override {
        source_->stop();
        idp_->drop_held();
        settle();
    }

    // A new provider and source, for each case of a table.
    void begin_case() {
        TearDown();
        make_source();
    }

    void make_source() {
        idp_ = std::make_shared<scripted_idp>(ioc_.get_executor(), clock_);
        source_ = jwks_source::create(ioc_.get_executor(), idp_,
                                      *parse_url("https://idp.example.test/.well-known/jwks.json"),
                                      3s, clock_);
    }

    // Runs every handler that is ready; the source's timer runs on the manual clock, and
    // check_now() makes it look at once after the clock moved.
    void settle() { ioc_.poll(); }

    // Runs the io_context until done() holds; the bound only stops a hang.
    template <class Condition> bool run_until(Condition done) {
        const auto give_up = std::chrono::steady_clock::now() + 5s;
        while (!done()) {
            if (std::chrono::steady_clock::now() > give_up) {
                return false;
            }
            ioc_.run_one_for(10ms);
        }
        return true;
    }

    // Moves the manual clock and wakes the source as its timer would.
    void advance_and_check(clock::duration d) {
        clock_.advance(d);
        source_->check_now();
        settle();
    }

    std::size_t request_count() const { return idp_->requests().size(); }

    // A refresh_for_unknown_kid callback counting into done_, which outlives the test body so
    // that a failed assertion leaves no callback pointing at a dead local.
    std::function<void()> count_done() {
        return [this] { ++done_; };
    }

    // Starts the source and lets its first fetch publish k1.
    void start_with_key_1(const std::string& cache_control = "") {
        idp_->script(jwks_answer({&key_1()}, cache_control));
        source_->start();
        ASSERT_TRUE(run_until([&] { return source_->keys() != nullptr; }));
    }

    manual_clock clock_;
    net::io_context ioc_;
    net::executor_work_guard<net::io_context::executor_type> work_{ioc_.get_executor()};
    std::shared_ptr<scripted_idp> idp_;
    std::shared_ptr<jwks_source> source_;
    std::atomic<int> done_{0};
};

TEST_F(jwks_source_test, first_fetch_gets_the_url_and_publishes_the_set) {
    EXPECT_EQ(source_->not_ready_reason(),
              "JWKS https://idp.example.test/.well-known/jwks.json: not fetched yet (no answer "
              "yet)");
    start_with_key_1();

    ASSERT_EQ(request_count(), 1u);
    const auto& req = idp_->requests()[0].req;
    EXPECT_EQ(req.method(), http::verb::get);
    EXPECT_EQ(req.target(), "/.well-known/jwks.json");
    EXPECT_EQ(req[http::field::accept], "application/json");
    EXPECT_EQ(req.timeout(), 3s);
    EXPECT_EQ(kids(source_->keys()), std::vector<std::string>{"k1"});
    EXPECT_EQ(source_->not_ready_reason(), "");
    EXPECT_EQ(source_->location().host, "idp.example.test");
}

TEST_F(jwks_source_test, a_failed_first_fetch_publishes_nothing_and_says_why) {
    const struct {
        upstream_result result;
        std::string reason;
    } cases[] = {
        {failure(upstream_errc::timeout), "timeout"},
        {answer(http::status::service_unavailable, "{}"), "HTTP 503"},
        {answer(http::status::ok, "<html>secret-page</html>"), "the JWKS is not JSON"},
        {answer(http::status::ok, R"({"keys": []})"), "the JWKS has no usable key (0 skipped)"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.reason);
        begin_case();
        source_->start();
        settle();
        ASSERT_EQ(idp_->held(), 1u);
        ASSERT_TRUE(idp_->answer_held(c.result));
        const auto expected =
            "JWKS https://idp.example.test/.well-known/jwks.json: not fetched yet (" + c.reason +
            ")";
        ASSERT_TRUE(run_until([&] { return source_->not_ready_reason() == expected; }));
        EXPECT_EQ(source_->keys(), nullptr);
    }
}

TEST_F(jwks_source_test, failures_are_retried_with_doubling_backoff_until_a_fetch_succeeds) {
    idp_->script(failure(upstream_errc::connect_failed));
    idp_->script(answer(http::status::internal_server_error, "{}"));
    idp_->script(jwks_answer({&key_1()}));
    source_->start();
    settle();
    ASSERT_EQ(request_count(), 1u);

    // First retry after 1 s, shortened by up to a quarter (jitter).
    advance_and_check(700ms);
    EXPECT_EQ(request_count(), 1u);
    advance_and_check(300ms);
    ASSERT_EQ(request_count(), 2u);
    EXPECT_EQ(source_->keys(), nullptr);
    EXPECT_NE(source_->not_ready_reason().find("(HTTP 500)"), std::string::npos);

    // Second retry after 2 s, shortened by up to a quarter.
    advance_and_check(1400ms);
    EXPECT_EQ(request_count(), 2u);
    advance_and_check(600ms);
    ASSERT_EQ(request_count(), 3u);
    EXPECT_EQ(kids(source_->keys()), std::vector<std::string>{"k1"});
    EXPECT_EQ(source_->not_ready_reason(), "");
}

TEST_F(jwks_source_test, the_set_is_refetched_when_its_cache_control_lifetime_ends) {
    const struct {
        std::string cache_control;
        clock::duration lifetime;
    } cases[] = {
        {"max-age=60", 5min},
        {"max-age=100000", 24h},
        {"", 1h},
        {"no-store", 5min},
        {"No-Cache", 5min},
        {"public, max-age=7200", 2h},
        {R"(private="x, no-store", max-age=600)", 10min},
        {"max-age=soon", 5min},
        {"max-age=99999999999999999999999", 24h},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.cache_control);
        begin_case();
        start_with_key_1(c.cache_control);
        const auto fetched_at = idp_->requests().back().at;

        idp_->script(jwks_answer({&key_1()}, c.cache_control));
        advance_and_check(c.lifetime - 1s);
        EXPECT_EQ(request_count(), 1u);
        advance_and_check(1s);
        ASSERT_EQ(request_count(), 2u);
        EXPECT_EQ(idp_->requests().back().at - fetched_at, c.lifetime);
    }
}

TEST_F(jwks_source_test, an_unusable_answer_keeps_the_good_set_and_is_retried_soon) {
    const std::vector<upstream_result> bad = {
        answer(http::status::ok, "not json"),
        answer(http::status::ok, R"({"keys": []})"),
        answer(http::status::ok, R"({"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "k9"}]})"),
        answer(http::status::not_found, "{}"),
        failure(upstream_errc::tls_failed),
    };
    for (std::size_t i = 0; i < bad.size(); ++i) {
        SCOPED_TRACE(i);
        begin_case();
        start_with_key_1();
        const auto good = source_->keys();

        idp_->script(bad[i]);
        advance_and_check(1h);
        ASSERT_EQ(request_count(), 2u);
        EXPECT_EQ(source_->keys(), good);
        EXPECT_EQ(source_->not_ready_reason(), "");

        advance_and_check(1s);
        EXPECT_EQ(request_count(), 3u) << "a failed refetch is retried with backoff";
    }
}

TEST_F(jwks_source_test, ten_concurrent_unknown_kid_callers_share_one_fetch) {
    start_with_key_1();
    std::vector<std::thread> callers;
    for (int i = 0; i < 10; ++i) {
        callers.emplace_back([this] { source_->refresh_for_unknown_kid(count_done()); });
    }
    for (auto& t : callers) {
        t.join();
    }
    settle();
    EXPECT_EQ(request_count(), 2u) << "the startup fetch does not count against the 30 s bound";
    EXPECT_EQ(done_, 0) << "callers wait for the refetch";

    ASSERT_TRUE(idp_->answer_held(jwks_answer({&key_1(), &key_2()})));
    ASSERT_TRUE(run_until([&] { return done_ == 10; }));
    EXPECT_EQ(request_count(), 2u);
    EXPECT_EQ(kids(source_->keys()), (std::vector<std::string>{"k1", "k2"}));
}

TEST_F(jwks_source_test, unknown_kid_refetches_at_most_once_per_30_s) {
    start_with_key_1();
    source_->refresh_for_unknown_kid(count_done());
    settle();
    ASSERT_EQ(request_count(), 2u);
    ASSERT_TRUE(idp_->answer_held(jwks_answer({&key_1()})));
    ASSERT_TRUE(run_until([&] { return done_ == 1; }));

    clock_.advance(29s);
    source_->refresh_for_unknown_kid(count_done());
    ASSERT_TRUE(run_until([&] { return done_ == 2; }));
    settle();
    EXPECT_EQ(request_count(), 2u) << "within 30 s of the last fetch: no new one";

    clock_.advance(1s);
    source_->refresh_for_unknown_kid(count_done());
    settle();
    EXPECT_EQ(request_count(), 3u);
    EXPECT_EQ(done_, 2) << "the caller waits for the fetch it started";
    ASSERT_TRUE(idp_->answer_held(failure(upstream_errc::timeout)));
    ASSERT_TRUE(run_until([&] { return done_ == 3; })) << "a failed fetch ends the wait too";
}

// The retries of a failed start-up fetch are the start-up fetch: a key rotated right after the
// set finally arrived is still fetched (seen under load: the first fetch met its deadline, the
// retry got the set, and a token of the next key was refused for 30 s).
TEST_F(jwks_source_test, a_retried_startup_fetch_leaves_the_unknown_kid_refetch_available) {
    idp_->script(failure(upstream_errc::timeout));
    idp_->script(jwks_answer({&key_1()}));
    source_->start();
    settle();
    advance_and_check(1s);
    ASSERT_EQ(request_count(), 2u);
    ASSERT_EQ(kids(source_->keys()), std::vector<std::string>{"k1"});

    source_->refresh_for_unknown_kid(count_done());
    settle();
    EXPECT_EQ(request_count(), 3u) << "the retry counted as an unknown-kid refetch";
    ASSERT_TRUE(idp_->answer_held(jwks_answer({&key_1(), &key_2()})));
    ASSERT_TRUE(run_until([&] { return done_ == 1; }));
    EXPECT_EQ(kids(source_->keys()), (std::vector<std::string>{"k1", "k2"}));
}

TEST_F(jwks_source_test, unknown_kid_during_the_startup_fetch_joins_it) {
    source_->start();
    settle();
    source_->refresh_for_unknown_kid(count_done());
    settle();
    EXPECT_EQ(request_count(), 1u);
    EXPECT_EQ(done_, 0);
    ASSERT_TRUE(idp_->answer_held(jwks_answer({&key_1()})));
    ASSERT_TRUE(run_until([&] { return done_ == 1; }));
    EXPECT_EQ(kids(source_->keys()), std::vector<std::string>{"k1"});
}

TEST_F(jwks_source_test, a_key_removed_from_the_set_stops_working_at_the_next_fetch) {
    start_with_key_1();
    idp_->script(jwks_answer({&key_2()}));
    advance_and_check(1h);
    ASSERT_EQ(request_count(), 2u);

    const auto set = source_->keys();
    EXPECT_EQ(kids(set), std::vector<std::string>{"k2"});
    EXPECT_EQ(choose_key(*set, std::string("k1"), jwt_alg::es256).status,
              key_choice_status::unknown_kid);
    EXPECT_EQ(choose_key(*set, std::string("k2"), jwt_alg::es256).status, key_choice_status::found);
}

TEST_F(jwks_source_test, stop_calls_waiting_callers_and_later_ones_at_once) {
    start_with_key_1();
    source_->refresh_for_unknown_kid(count_done());
    settle();
    ASSERT_EQ(idp_->held(), 1u);

    source_->stop();
    ASSERT_TRUE(run_until([&] { return done_ == 1; }));

    source_->refresh_for_unknown_kid(count_done());
    ASSERT_TRUE(run_until([&] { return done_ == 2; }));
    ASSERT_TRUE(idp_->answer_held(jwks_answer({&key_2()})));
    advance_and_check(2h);
    EXPECT_EQ(kids(source_->keys()), std::vector<std::string>{"k1"}) << "stopped: nothing changes";
    EXPECT_EQ(request_count(), 2u);
}

} // namespace
} // namespace kore_gateway
