#include "kore_gateway/metrics/registry.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <limits>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace kore_gateway {
namespace {

TEST(metrics_registry, renders_exact_text_format) {
    metrics_registry r;
    // Registered out of name order: the output is ordered by name regardless.
    auto& requests =
        r.add_counter("test_requests_total", "Requests, with a \\ backslash\nand \"quotes\".",
                      {"path", "method"});
    requests.with({"/a\"b\\c\nd", "GET"}).inc(3);
    requests.with({"/", "GET"}).inc();
    r.add_gauge("test_temperature", "Temperature.").with({}).set(-1.5);
    auto& latency =
        r.add_histogram("test_latency_seconds", "Latency.", {"route"}, {0.0005, 0.25, 1, 2.5});
    auto& x = latency.with({"x"});
    x.observe(0.25); // on a bound: counted in that bucket (le is inclusive)
    x.observe(0.5);
    x.observe(0.75);
    x.observe(4);

    EXPECT_EQ(r.render(), R"(# HELP test_latency_seconds Latency.
# TYPE test_latency_seconds histogram
test_latency_seconds_bucket{route="x",le="0.0005"} 0
test_latency_seconds_bucket{route="x",le="0.25"} 1
test_latency_seconds_bucket{route="x",le="1"} 3
test_latency_seconds_bucket{route="x",le="2.5"} 3
test_latency_seconds_bucket{route="x",le="+Inf"} 4
test_latency_seconds_sum{route="x"} 5.5
test_latency_seconds_count{route="x"} 4
# HELP test_requests_total Requests, with a \\ backslash\nand "quotes".
# TYPE test_requests_total counter
test_requests_total{path="/",method="GET"} 1
test_requests_total{path="/a\"b\\c\nd",method="GET"} 3
# HELP test_temperature Temperature.
# TYPE test_temperature gauge
test_temperature -1.5
)");
}

// Children live in a hash table; a scrape still lists them by label values, whatever order
// they were created in.
TEST(metrics_registry, children_render_in_label_order) {
    metrics_registry r;
    auto& requests = r.add_counter("req_total", "R.", {"route", "class"});
    auto& latency = r.add_histogram("lat_seconds", "L.", {"route"}, {1});
    const std::vector<std::string> routes{"q", "c", "x", "a", "m", "b", "z", "k", "d", "p"};
    for (const auto& route : routes) {
        requests.with({route, "5xx"}).inc();
        requests.with({route, "2xx"}).inc();
        latency.with({route}).observe(0.5);
    }
    const auto text = r.render();
    std::vector<std::string> counter_lines;
    std::vector<std::string> count_lines;
    for (std::size_t start = 0, end; (end = text.find('\n', start)) != std::string::npos;
         start = end + 1) {
        const auto line = text.substr(start, end - start);
        if (line.starts_with("req_total{")) {
            counter_lines.push_back(line);
        } else if (line.starts_with("lat_seconds_count{")) {
            count_lines.push_back(line);
        }
    }
    ASSERT_EQ(counter_lines.size(), 2 * routes.size());
    ASSERT_EQ(count_lines.size(), routes.size());
    EXPECT_TRUE(std::is_sorted(counter_lines.begin(), counter_lines.end())) << text;
    EXPECT_TRUE(std::is_sorted(count_lines.begin(), count_lines.end())) << text;
    EXPECT_EQ(counter_lines.front(), R"(req_total{route="a",class="2xx"} 1)");
    EXPECT_EQ(count_lines.back(), R"(lat_seconds_count{route="z"} 1)");
}

TEST(metrics_registry, unlabelled_histogram_has_only_le) {
    metrics_registry r;
    auto& h = r.add_histogram("h_seconds", "H.", {}, {1});
    h.with({}).observe(2);
    EXPECT_EQ(r.render(), R"(# HELP h_seconds H.
# TYPE h_seconds histogram
h_seconds_bucket{le="1"} 0
h_seconds_bucket{le="+Inf"} 1
h_seconds_sum 2
h_seconds_count 1
)");
}

TEST(metrics_registry, histogram_ignores_nan) {
    metrics_registry r;
    auto& h = r.add_histogram("h_seconds", "H.", {}, {1}).with({});
    h.observe(std::numeric_limits<double>::quiet_NaN());
    h.observe(0.5);
    auto s = h.collect();
    EXPECT_EQ(s.cumulative, (std::vector<std::uint64_t>{1, 1}));
    EXPECT_EQ(s.sum, 0.5);
}

TEST(metrics_registry, family_without_children_renders_header_only) {
    metrics_registry r;
    r.add_counter("empty_total", "Nothing yet.", {"a"});
    EXPECT_EQ(r.render(), "# HELP empty_total Nothing yet.\n# TYPE empty_total counter\n");
}

TEST(metrics_registry, formats_special_and_fractional_values) {
    metrics_registry r;
    auto& g = r.add_gauge("g", "G.", {"k"});
    g.with({"a"}).set(std::numeric_limits<double>::infinity());
    g.with({"b"}).set(-std::numeric_limits<double>::infinity());
    g.set_callback({"c"}, [] { return std::numeric_limits<double>::quiet_NaN(); });
    g.with({"d"}).set(0.1);
    g.with({"e"}).set(1e-05);
    g.with({"f"}).set(123456789);
    auto& c = r.add_counter("big_total", "Big.");
    c.with({}).inc(18446744073709551615ull);
    EXPECT_EQ(r.render(), R"(# HELP big_total Big.
# TYPE big_total counter
big_total 18446744073709551615
# HELP g G.
# TYPE g gauge
g{k="a"} +Inf
g{k="b"} -Inf
g{k="c"} NaN
g{k="d"} 0.1
g{k="e"} 1e-05
g{k="f"} 1.23456789e+08
)");
}

TEST(metrics_registry, with_returns_a_stable_child_per_label_set) {
    metrics_registry r;
    auto& f = r.add_counter("c_total", "C.", {"a"});
    auto& one = f.with({"1"});
    for (int i = 0; i < 100; ++i) {
        f.with({std::to_string(i + 2)}); // inserting others must not move the first child
    }
    EXPECT_EQ(&one, &f.with({"1"}));
    EXPECT_NE(&one, &f.with({"2"}));
    one.inc(2);
    EXPECT_EQ(f.with({"1"}).value(), 2u);
}

// with() remembers each thread's last children: more label sets than it keeps, asked for in
// turn, still each find their own child.
TEST(metrics_registry, with_finds_each_child_among_more_label_sets_than_a_thread_remembers) {
    metrics_registry r;
    auto& f = r.add_counter("c_total", "C.", {"a", "b"});
    std::vector<counter*> first;
    for (int i = 0; i < 20; ++i) {
        first.push_back(&f.with({"x", std::to_string(i)}));
    }
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < 20; ++i) {
            auto& child = f.with({"x", std::to_string(i)});
            EXPECT_EQ(&child, first[static_cast<std::size_t>(i)]) << i;
            child.inc();
        }
    }
    EXPECT_EQ(f.with({"x", "7"}).value(), 3u);
    EXPECT_EQ(f.with({"7", "x"}).value(), 0u); // the same values in another order: another set
}

// A family made where a destroyed one was (here in the very same storage, as an allocator may
// well place it) has children of its own: what a thread remembers of the old family's children
// must not answer for the new family's. Keyed by the family's address, the lookup would read the
// old family's freed children (AddressSanitizer reports it) and return the old counter.
TEST(metrics_registry, a_family_where_a_destroyed_one_was_has_children_of_its_own) {
    alignas(counter_family) unsigned char storage[sizeof(counter_family)];
    for (int i = 0; i < 3; ++i) {
        auto* old_family = new (storage) counter_family("c_total", "C.", {"a"});
        old_family->with({"x"}).inc(5);
        std::destroy_at(old_family);
        auto* family = new (storage) counter_family("c_total", "C.", {"a"});
        auto& child = family->with({"x"});
        EXPECT_EQ(child.value(), 0u);
        child.inc();
        EXPECT_EQ(family->with({"x"}).value(), 1u);
        std::destroy_at(family);
    }
}

TEST(metrics_registry, gauge_goes_up_and_down) {
    metrics_registry r;
    auto& g = r.add_gauge("g", "G.").with({});
    g.inc();
    g.inc(2.5);
    g.dec();
    EXPECT_EQ(g.value(), 2.5);
    g.set(7);
    EXPECT_EQ(g.value(), 7);
}

TEST(metrics_registry, rejects_invalid_registrations) {
    metrics_registry r;
    r.add_counter("dup_total", "D.");
    EXPECT_THROW(r.add_gauge("dup_total", "D."), std::invalid_argument);
    EXPECT_THROW(r.add_counter("1abc", "X."), std::invalid_argument);
    EXPECT_THROW(r.add_counter("a-b", "X."), std::invalid_argument);
    EXPECT_THROW(r.add_counter("", "X."), std::invalid_argument);
    EXPECT_NO_THROW(r.add_counter("ns:sub_total", "Colons are allowed in metric names."));
    EXPECT_THROW(r.add_counter("x1", "X.", {"__reserved"}), std::invalid_argument);
    EXPECT_THROW(r.add_counter("x2", "X.", {"a:b"}), std::invalid_argument);
    EXPECT_THROW(r.add_counter("x3", "X.", {"a", "a"}), std::invalid_argument);
    EXPECT_THROW(r.add_histogram("h1", "H.", {"le"}, {1}), std::invalid_argument);
    EXPECT_THROW(r.add_histogram("h2", "H.", {}, {}), std::invalid_argument);
    EXPECT_THROW(r.add_histogram("h3", "H.", {}, {1, 1}), std::invalid_argument);
    EXPECT_THROW(r.add_histogram("h4", "H.", {}, {2, 1}), std::invalid_argument);
    EXPECT_THROW(r.add_histogram("h5", "H.", {}, {1, std::numeric_limits<double>::infinity()}),
                 std::invalid_argument);
}

TEST(metrics_registry, rejects_wrong_number_of_label_values) {
    metrics_registry r;
    auto& f = r.add_counter("c_total", "C.", {"a", "b"});
    EXPECT_THROW(f.with({"1"}), std::invalid_argument);
    EXPECT_THROW(f.with({"1", "2", "3"}), std::invalid_argument);
    EXPECT_THROW(f.set_callback({}, [] { return 1.0; }), std::invalid_argument);
}

TEST(metrics_registry, callbacks_are_evaluated_at_each_scrape) {
    metrics_registry r;
    double bytes = 10;
    auto& g = r.add_gauge("bytes", "B.");
    g.set_callback({}, [&bytes] { return bytes; });
    auto& opened = r.add_counter("opened_total", "O.", {"upstream"});
    opened.set_callback({"kore"}, [] { return 3.0; });
    opened.with({"catalog"}).inc(); // live and callback-backed children mix in label order
    EXPECT_EQ(r.render(), R"(# HELP bytes B.
# TYPE bytes gauge
bytes 10
# HELP opened_total O.
# TYPE opened_total counter
opened_total{upstream="catalog"} 1
opened_total{upstream="kore"} 3
)");
    bytes = 2048;
    g.set_callback({}, [&bytes] { return bytes * 2; }); // replaces, never duplicates
    EXPECT_NE(r.render().find("\nbytes 4096\n"), std::string::npos);
}

TEST(metrics_registry, a_label_set_is_either_live_or_callback_backed) {
    metrics_registry r;
    auto& f = r.add_counter("c_total", "C.", {"a"});
    f.with({"live"});
    f.set_callback({"cb"}, [] { return 1.0; });
    EXPECT_THROW(f.set_callback({"live"}, [] { return 1.0; }), std::logic_error);
    EXPECT_THROW(f.with({"cb"}), std::logic_error);
    EXPECT_THROW(f.set_callback({"none"}, value_callback{}), std::invalid_argument);
    EXPECT_EQ(r.render(), R"(# HELP c_total C.
# TYPE c_total counter
c_total{a="cb"} 1
c_total{a="live"} 0
)");
}

TEST(metrics_registry, callbacks_run_without_the_family_lock) {
    metrics_registry r;
    auto& f = r.add_counter("c_total", "C.", {"a"});
    // A callback that creates a child of its own family would deadlock if render held the lock.
    f.set_callback({"cb"}, [&f] {
        f.with({"created_by_callback"}).inc();
        return 1.0;
    });
    auto result = std::make_shared<std::promise<std::string>>();
    auto rendered = result->get_future();
    std::thread([&r, result] { result->set_value(r.render()); }).detach();
    if (rendered.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
        // The detached thread still uses r: there is no safe way to go on.
        std::fputs("metrics_registry: render deadlocked in a callback\n", stderr);
        std::abort();
    }
    EXPECT_NE(rendered.get().find("c_total{a=\"cb\"} 1\n"), std::string::npos);
    EXPECT_EQ(f.with({"created_by_callback"}).value(), 1u);
}

TEST(metrics_registry, concurrent_updates_are_exact) {
    constexpr int threads = 4;
    constexpr int increments = 10000;
    metrics_registry r;
    auto& counters = r.add_counter("c_total", "C.", {"who"});
    auto& g = r.add_gauge("g", "G.").with({});
    auto& h = r.add_histogram("h_seconds", "H.", {"who"}, {0.25, 1});

    std::atomic<bool> done{false};
    // A scraper runs all along: rendering must never race with updates or child creation.
    std::thread scraper([&] {
        while (!done.load()) {
            r.render();
        }
    });
    std::vector<counter*> shared_seen(threads);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            auto& own = counters.with({"thread" + std::to_string(t)});
            for (int i = 0; i < increments; ++i) {
                // Looked up every time, created concurrently by all threads on first use.
                counters.with({"shared"}).inc();
                own.inc();
                g.inc();
                h.with({"shared"}).observe(0.5);
                g.dec();
            }
            shared_seen[t] = &counters.with({"shared"});
        });
    }
    for (auto& w : workers) {
        w.join();
    }
    done = true;
    scraper.join();

    EXPECT_EQ(counters.with({"shared"}).value(), std::uint64_t{threads * increments});
    for (int t = 0; t < threads; ++t) {
        EXPECT_EQ(counters.with({"thread" + std::to_string(t)}).value(), std::uint64_t{increments});
        EXPECT_EQ(shared_seen[t], &counters.with({"shared"}));
    }
    EXPECT_EQ(g.value(), 0);
    auto s = h.with({"shared"}).collect();
    EXPECT_EQ(s.cumulative,
              (std::vector<std::uint64_t>{0, threads * increments, threads * increments}));
    EXPECT_EQ(s.sum, threads * increments * 0.5);
    EXPECT_NE(r.render().find("h_seconds_count{who=\"shared\"} 40000\n"), std::string::npos);
}

} // namespace
} // namespace kore_gateway
