// The I/O threads: one io_context per thread, each run by exactly that thread (the "io_context
// per CPU" design of Asio's HTTP server 2 example).
//
// Why not one io_context shared by all threads: with a shared one, every completion may wake
// another thread through the scheduler's mutex and condition variable, and a forwarded request
// hops between threads (session, pool, upstream connection, back). Profiles of the benchmark
// named those hand-offs among the top costs of a forward. Here a connection, and the upstream
// connections it uses (see per_thread_client), stay on one thread, as an nginx worker does, and
// a context run by one thread is an implicit strand: its handlers never run concurrently.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include "kore_gateway/net.hpp"

namespace kore_gateway {

// The CPUs the calling thread may run on, in order: its affinity mask, which a thread starts with
// from the one that made it, so the process's (taskset, a container's cpuset) until one is pinned.
std::vector<int> allowed_cpus();

class io_context_pool {
public:
    using executor_type = net::io_context::executor_type;

    explicit io_context_pool(std::size_t threads);
    ~io_context_pool();
    io_context_pool(const io_context_pool&) = delete;
    io_context_pool& operator=(const io_context_pool&) = delete;

    // Where process-wide work runs (signals, the listener, token renewal, shutdown).
    net::io_context& first() { return *contexts_.front(); }
    // The contexts in turn, for new connections. Thread-safe.
    net::io_context& next();
    // One executor per context, in order.
    std::vector<executor_type> executors() const;

    // Starts one thread per context; returns at once. pin_threads: thread i runs only on the i-th
    // CPU this process may use (in turn, when there are more threads than CPUs), as nginx's
    // worker_cpu_affinity auto does. Without it the kernel places the threads, and may queue two
    // of them on one CPU (bench/RESULTS.md, issue #16 seventh pass).
    void run(bool pin_threads = false);
    // Stops every context: each thread returns from run() once its current handler ends; handlers
    // still queued are not run. Called by one thread at a time (the gateway's stop is guarded).
    void stop();
    // Waits for the threads started by run().
    void join();

private:
    std::vector<std::unique_ptr<net::io_context>> contexts_;
    std::vector<net::executor_work_guard<executor_type>> work_;
    std::vector<std::thread> threads_;
    std::atomic<std::size_t> next_{0};
};

} // namespace kore_gateway
