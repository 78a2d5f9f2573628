#include "kore_gateway/server/io_context_pool.hpp"

#include <pthread.h>
#include <sched.h>

#include <cstring>

#include <spdlog/spdlog.h>

namespace kore_gateway {
namespace {

// Best effort: a thread that cannot be pinned still runs, wherever the kernel puts it.
void pin_this_thread_to(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (const int error = ::pthread_setaffinity_np(::pthread_self(), sizeof(set), &set)) {
        spdlog::warn("cannot pin an I/O thread to CPU {}: {}", cpu, std::strerror(error));
    }
}

} // namespace

std::vector<int> allowed_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    std::vector<int> cpus;
    if (::sched_getaffinity(0, sizeof(set), &set) != 0) {
        return cpus;
    }
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
        if (CPU_ISSET(cpu, &set)) {
            cpus.push_back(cpu);
        }
    }
    return cpus;
}

io_context_pool::io_context_pool(std::size_t threads) {
    const auto count = threads == 0 ? 1 : threads;
    for (std::size_t i = 0; i < count; ++i) {
        // Concurrency hint 1: exactly one thread runs it, which lets Asio skip some of the
        // scheduler's cross-thread signalling; other threads may still post to it.
        contexts_.push_back(std::make_unique<net::io_context>(1));
        work_.push_back(net::make_work_guard(*contexts_.back()));
    }
}

io_context_pool::~io_context_pool() {
    stop();
    join();
}

net::io_context& io_context_pool::next() {
    return *contexts_[next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size()];
}

std::vector<io_context_pool::executor_type> io_context_pool::executors() const {
    std::vector<executor_type> out;
    out.reserve(contexts_.size());
    for (const auto& context : contexts_) {
        out.push_back(context->get_executor());
    }
    return out;
}

void io_context_pool::run(bool pin_threads) {
    const auto cpus = pin_threads ? allowed_cpus() : std::vector<int>{};
    for (std::size_t i = 0; i < contexts_.size(); ++i) {
        const int cpu = cpus.empty() ? -1 : cpus[i % cpus.size()];
        threads_.emplace_back([&ctx = *contexts_[i], cpu] {
            if (cpu >= 0) {
                pin_this_thread_to(cpu);
            }
            ctx.run();
        });
    }
}

void io_context_pool::stop() {
    for (auto& guard : work_) {
        guard.reset();
    }
    for (const auto& context : contexts_) {
        context->stop();
    }
}

void io_context_pool::join() {
    for (auto& thread : threads_) {
        if (thread.joinable()) {
            thread.join();
        }
    }
    threads_.clear();
}

} // namespace kore_gateway
