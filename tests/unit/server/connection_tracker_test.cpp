#include "kore_gateway/server/connection_tracker.hpp"

#include <functional>
#include <memory>
#include <optional>

#include <gtest/gtest.h>

#include "support/metrics.hpp"

namespace kore_gateway {
namespace {

using testing::metric_value;

// Counts what the tracker asks of it and gives its slot back when it goes, as a session does.
class fake_connection final : public drainable {
public:
    explicit fake_connection(connection_tracker& tracker) : tracker_(tracker) {}
    ~fake_connection() override { tracker_.release(this); }

    void drain() override { ++drains; }
    void abort() override { ++aborts; }

    int drains = 0;
    int aborts = 0;

private:
    connection_tracker& tracker_;
};

class connection_tracker_test : public ::testing::Test {
protected:
    // A reserved, attached connection.
    std::shared_ptr<fake_connection> open_connection() {
        EXPECT_TRUE(tracker_.try_reserve());
        auto connection = std::make_shared<fake_connection>(tracker_);
        tracker_.attach(connection);
        return connection;
    }
    std::optional<double> open_gauge() const {
        return metric_value(metrics_.render(), "kore_gateway_open_connections");
    }

    gateway_metrics metrics_;
    connection_tracker tracker_{2, metrics_};
    int emptied_ = 0;
    std::function<void()> count_empty_ = [this] { ++emptied_; };
};

TEST_F(connection_tracker_test, reserves_slots_up_to_the_limit_and_refuses_past_it) {
    EXPECT_EQ(open_gauge(), 0);
    EXPECT_TRUE(tracker_.try_reserve());
    EXPECT_TRUE(tracker_.try_reserve());
    EXPECT_FALSE(tracker_.try_reserve());
    EXPECT_EQ(tracker_.open(), 2u);
    EXPECT_EQ(open_gauge(), 2);
    // A refused connection takes no slot: the count stays at the limit.
    EXPECT_FALSE(tracker_.try_reserve());
    EXPECT_EQ(open_gauge(), 2);
}

TEST_F(connection_tracker_test, a_released_slot_can_be_reserved_again) {
    auto first = open_connection();
    auto second = open_connection();
    EXPECT_FALSE(tracker_.try_reserve());
    first.reset(); // its destructor gives the slot back
    EXPECT_EQ(tracker_.open(), 1u);
    EXPECT_EQ(open_gauge(), 1);
    EXPECT_TRUE(tracker_.try_reserve());
    EXPECT_EQ(tracker_.open(), 2u);
}

TEST_F(connection_tracker_test, drain_asks_every_open_connection_and_refuses_new_ones) {
    auto first = open_connection();
    auto gone = open_connection();
    gone.reset();
    ASSERT_EQ(tracker_.open(), 1u);
    tracker_.drain(count_empty_);
    EXPECT_EQ(first->drains, 1);
    EXPECT_EQ(first->aborts, 0);
    EXPECT_EQ(emptied_, 0) << "called back while a connection was open";
    EXPECT_FALSE(tracker_.try_reserve()) << "a slot is free, but the gateway is draining";
    EXPECT_EQ(tracker_.open(), 1u);
}

TEST_F(connection_tracker_test, the_drain_callback_runs_once_when_the_last_connection_closes) {
    auto first = open_connection();
    auto second = open_connection();
    tracker_.drain(count_empty_);
    first.reset();
    EXPECT_EQ(emptied_, 0);
    second.reset();
    EXPECT_EQ(emptied_, 1);
    EXPECT_EQ(tracker_.open(), 0u);
    EXPECT_EQ(open_gauge(), 0);
}

TEST_F(connection_tracker_test, a_drain_with_nothing_open_calls_back_at_once) {
    tracker_.drain(count_empty_);
    EXPECT_EQ(emptied_, 1);
    EXPECT_FALSE(tracker_.try_reserve());
}

TEST_F(connection_tracker_test, a_reserved_slot_counts_until_released_even_unattached) {
    ASSERT_TRUE(tracker_.try_reserve()); // accepted, session not attached yet
    tracker_.drain(count_empty_);
    EXPECT_EQ(emptied_, 0);
    // The accept path attaches it after the drain began: it is drained at once.
    auto late = std::make_shared<fake_connection>(tracker_);
    tracker_.attach(late);
    EXPECT_EQ(late->drains, 1);
    late.reset();
    EXPECT_EQ(emptied_, 1);
}

TEST_F(connection_tracker_test, abort_all_closes_every_connection_still_open) {
    auto first = open_connection();
    auto second = open_connection();
    first.reset();
    tracker_.abort_all();
    EXPECT_EQ(second->aborts, 1);
    EXPECT_EQ(second->drains, 0);
    // Aborting is the connection's business: the slot is given back when it ends, not before.
    EXPECT_EQ(tracker_.open(), 1u);
}

} // namespace
} // namespace kore_gateway
