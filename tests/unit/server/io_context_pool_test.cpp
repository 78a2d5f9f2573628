#include "kore_gateway/server/io_context_pool.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <set>
#include <thread>
#include <vector>

namespace kore_gateway {
namespace {

using namespace std::chrono_literals;

// The id of the thread that runs work posted to ex; empty when nothing ran it within 5 s.
std::thread::id runner_of(const io_context_pool::executor_type& ex) {
    std::promise<std::thread::id> ran;
    auto id = ran.get_future();
    net::post(ex, [&ran] { ran.set_value(std::this_thread::get_id()); });
    if (id.wait_for(5s) != std::future_status::ready) {
        ADD_FAILURE() << "posted work did not run";
        return {};
    }
    return id.get();
}

TEST(io_context_pool, runs_each_context_on_a_thread_of_its_own) {
    io_context_pool io(3);
    io.run();
    std::set<std::thread::id> runners;
    for (const auto& ex : io.executors()) {
        const auto first = runner_of(ex);
        EXPECT_NE(first, std::this_thread::get_id());
        // Always the same thread for one context: its handlers never run concurrently.
        EXPECT_EQ(runner_of(ex), first);
        runners.insert(first);
    }
    EXPECT_EQ(runners.size(), 3u);
}

// The CPUs the thread that runs work posted to ex may use.
std::vector<int> cpus_of_runner(const io_context_pool::executor_type& ex) {
    std::promise<std::vector<int>> ran;
    auto cpus = ran.get_future();
    net::post(ex, [&ran] { ran.set_value(allowed_cpus()); });
    if (cpus.wait_for(5s) != std::future_status::ready) {
        ADD_FAILURE() << "posted work did not run";
        return {};
    }
    return cpus.get();
}

// One thread more than the process has CPUs: thread i gets the i-th usable CPU, and the last
// one starts the list again.
TEST(io_context_pool, pinned_threads_take_the_allowed_cpus_in_turn) {
    const auto usable = allowed_cpus();
    ASSERT_FALSE(usable.empty());
    io_context_pool io(usable.size() + 1);
    io.run(true);
    const auto executors = io.executors();
    for (std::size_t i = 0; i < executors.size(); ++i) {
        EXPECT_EQ(cpus_of_runner(executors[i]), std::vector<int>{usable[i % usable.size()]})
            << "thread " << i;
    }
}

TEST(io_context_pool, unpinned_threads_may_use_every_allowed_cpu) {
    io_context_pool io(2);
    io.run();
    for (const auto& ex : io.executors()) {
        EXPECT_EQ(cpus_of_runner(ex), allowed_cpus());
    }
}

TEST(io_context_pool, hands_out_the_contexts_in_turn) {
    io_context_pool io(3);
    const auto executors = io.executors();
    ASSERT_EQ(executors.size(), 3u);
    for (int round = 0; round < 2; ++round) {
        for (const auto& ex : executors) {
            EXPECT_EQ(io.next().get_executor(), ex);
        }
    }
    EXPECT_EQ(io.first().get_executor(), executors.front());
}

TEST(io_context_pool, zero_threads_still_means_one) {
    io_context_pool io(0);
    EXPECT_EQ(io.executors().size(), 1u);
}

TEST(io_context_pool, stop_ends_the_threads_without_running_queued_work) {
    io_context_pool io(2);
    io.run();
    ASSERT_NE(runner_of(io.first().get_executor()), std::thread::id{});
    io.stop();
    io.join();
    bool ran = false;
    net::post(io.first(), [&ran] { ran = true; });
    EXPECT_FALSE(ran);
    EXPECT_TRUE(io.first().stopped());
}

} // namespace
} // namespace kore_gateway
