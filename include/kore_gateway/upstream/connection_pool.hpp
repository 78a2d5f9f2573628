// The bookkeeping of one origin's keep-alive pool, without any I/O: which connections are idle
// (the most recently used is handed out first, so the others age out), how many slots are taken,
// and who waits for one (first come, first served). Every event returns the step the driver
// (https_client) must carry out, so the policy is unit-tested without sockets or timers.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

namespace kore_gateway {

// What the driver does after asking for a slot.
enum class acquire_step {
    reuse,  // the slot comes with an idle connection
    open,   // the slot is empty: open a fresh connection in it
    wait,   // every slot is taken: the waiter is queued
    closed, // the pool is shut down
};

// What the driver does after a slot was given back.
enum class release_step {
    none,  // nothing: the connection went idle, or the slot is free
    reuse, // hand the connection to the waiter
    open,  // the slot passes to the waiter, which opens a fresh connection
    close, // close the connection: the pool is shut down
};

template <class Connection, class Waiter> class connection_pool {
public:
    using time_point = std::chrono::steady_clock::time_point;

    struct acquired {
        acquire_step step = acquire_step::closed;
        Connection connection{};           // reuse: the idle connection
        std::vector<Connection> expired{}; // idle past the timeout: to be closed
    };

    struct handoff {
        release_step step = release_step::none;
        Waiter waiter{};         // reuse, open: the waiter that now holds the slot
        Connection connection{}; // reuse: the waiter's connection; close: the one to close
    };

    struct drained {
        std::vector<Connection> idle; // to be closed
        std::vector<Waiter> waiters;  // to be failed
    };

    connection_pool(std::size_t max_connections, std::chrono::milliseconds idle_timeout)
        : max_(std::max<std::size_t>(max_connections, 1)), idle_timeout_(idle_timeout) {}

    // Takes a slot for w, or queues w when every slot is taken.
    acquired acquire(const Waiter& w, time_point now) {
        acquired result;
        if (closed_) {
            return result;
        }
        result.expired = expire_idle(now);
        if (!idle_.empty()) {
            result.step = acquire_step::reuse;
            result.connection = std::move(idle_.back().connection);
            idle_.pop_back();
            ++busy_;
        } else if (busy_ < max_) {
            result.step = acquire_step::open;
            ++busy_;
        } else {
            result.step = acquire_step::wait;
            waiters_.push_back(w);
        }
        return result;
    }

    // Gives back a slot whose connection is healthy and may be reused.
    handoff release(Connection c, time_point now) {
        handoff result;
        if (closed_) {
            --busy_;
            result.step = release_step::close;
            result.connection = std::move(c);
        } else if (!waiters_.empty()) {
            result.step = release_step::reuse;
            result.waiter = std::move(waiters_.front());
            result.connection = std::move(c);
            waiters_.pop_front();
        } else {
            idle_.push_back({std::move(c), now});
            --busy_;
        }
        return result;
    }

    // Gives back a slot whose connection is gone (failed to open, broken or not keep-alive).
    handoff discard() {
        handoff result;
        if (!waiters_.empty()) {
            result.step = release_step::open;
            result.waiter = std::move(waiters_.front());
            waiters_.pop_front();
        } else {
            --busy_;
        }
        return result;
    }

    // Removes w from the queue; false when it is not there (it was served already).
    bool cancel(const Waiter& w) {
        const auto it = std::find(waiters_.begin(), waiters_.end(), w);
        if (it == waiters_.end()) {
            return false;
        }
        waiters_.erase(it);
        return true;
    }

    // Takes out the connections idle for idle_timeout or longer.
    std::vector<Connection> expire_idle(time_point now) {
        std::vector<Connection> expired;
        while (!idle_.empty() && idle_.front().since + idle_timeout_ <= now) {
            expired.push_back(std::move(idle_.front().connection));
            idle_.pop_front();
        }
        return expired;
    }

    // When the longest idle connection expires, if there is one.
    std::optional<time_point> next_expiry() const {
        if (idle_.empty()) {
            return std::nullopt;
        }
        return idle_.front().since + idle_timeout_;
    }

    // Refuses every later acquire; slots still in use are closed when given back.
    drained shutdown() {
        closed_ = true;
        drained result;
        for (auto& entry : idle_) {
            result.idle.push_back(std::move(entry.connection));
        }
        idle_.clear();
        result.waiters.assign(std::make_move_iterator(waiters_.begin()),
                              std::make_move_iterator(waiters_.end()));
        waiters_.clear();
        return result;
    }

    std::size_t idle() const { return idle_.size(); }
    std::size_t busy() const { return busy_; }
    std::size_t waiting() const { return waiters_.size(); }

private:
    struct idle_entry {
        Connection connection;
        time_point since;
    };

    std::size_t max_;
    std::chrono::milliseconds idle_timeout_;
    std::deque<idle_entry> idle_; // oldest first
    std::deque<Waiter> waiters_;  // first come first
    std::size_t busy_ = 0;        // slots taken: connections in use or being opened
    bool closed_ = false;
};

} // namespace kore_gateway
