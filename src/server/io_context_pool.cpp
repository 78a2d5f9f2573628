#include "kore_gateway/server/io_context_pool.hpp"

namespace kore_gateway {

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

void io_context_pool::run() {
    for (const auto& context : contexts_) {
        threads_.emplace_back([&ctx = *context] { ctx.run(); });
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
