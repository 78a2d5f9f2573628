#include "kore_gateway/util/deadline_watch.hpp"

#include <utility>

namespace kore_gateway {

deadline_watch::deadline_watch(const executor_type& ex, const clock& clk,
                               std::function<void()> on_expiry)
    : clock_(clk), timer_(ex, clk), on_expiry_(std::move(on_expiry)) {}

void deadline_watch::watch(clock::time_point deadline, std::weak_ptr<const void> owner) {
    deadline_ = deadline;
    owner_ = std::move(owner);
    if (waiting_ && timer_.expiry() <= deadline) {
        return; // the pending wait ends first and then waits on for this deadline
    }
    // The first wait, or one ending after this deadline (a shorter timeout): expires_at cancels
    // it, and its handler returns on operation_aborted.
    wait_for(deadline);
}

void deadline_watch::wait_for(clock::time_point when) {
    waiting_ = true;
    timer_.expires_at(when);
    timer_.async_wait([this, owner = owner_](error_code ec) {
        if (const auto alive = owner.lock()) {
            on_wait(ec); // the owner, and so this watch, still exists
        }
    });
}

void deadline_watch::on_wait(error_code ec) {
    if (ec == net::error::operation_aborted) {
        return; // replaced by an earlier wait, which is pending now
    }
    waiting_ = false;
    if (!deadline_) {
        return; // between requests: the next watch() waits again
    }
    if (clock_.now() < *deadline_) {
        return wait_for(*deadline_); // armed for an earlier request, which ended in time
    }
    deadline_.reset();
    on_expiry_();
}

} // namespace kore_gateway
