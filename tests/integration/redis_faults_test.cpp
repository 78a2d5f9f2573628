// A Redis that stalls, resets, sends garbage or answers what the gateway did not ask for is never
// the client's problem (CONTRACT.md section 13): the gateway serves as without Redis.
#include <thread>

#include <gtest/gtest.h>

#include "support/cache_support.hpp"
#include "support/eventually.hpp"
#include "support/fake_redis.hpp"
#include "support/gateway_with_fakes.hpp"
#include "support/metrics.hpp"
#include "support/test_client.hpp"

namespace kore_gateway::testing {
namespace {

using namespace std::chrono_literals;

struct redis_fault {
    std::string name;
    fake_answer to_eval; // what every EVAL (the gateway's only command) gets
};

class redis_faults : public ::testing::TestWithParam<redis_fault> {};

TEST_P(redis_faults, the_gateway_answers_as_without_redis) {
    net::io_context fake_io;
    const auto fault = GetParam().to_eval;
    fake_redis fake(fake_io, [fault](const std::vector<std::string>& command) {
        return command[0] == "EVAL" ? fault : setup_answer(command);
    });
    auto busy = net::make_work_guard(fake_io);
    std::thread fake_thread([&] { fake_io.run(); });
    {
        gateway_with_fakes gw([&fake](gateway_config& c) {
            c.redis_url = fake.url();
            c.redis_timeout = 50ms;
        });
        // Subscribed once: a replica empties its memory when it (re)subscribes, which would
        // otherwise race with the entry this test stores.
        ASSERT_TRUE(eventually(
            [&gw] { return metric_value(metrics_text(gw.port()), "kore_gateway_redis_up") == 1.0; },
            10s));
        const auto miss = fetch(gw.port(), http::verb::get, "/catalog/products");
        EXPECT_EQ(miss.result_int(), 200) << miss.body();
        EXPECT_EQ(header_of(miss, "X-Cache"), "MISS");
        const auto hit = fetch(gw.port(), http::verb::get, "/catalog/products");
        EXPECT_EQ(header_of(hit, "X-Cache"), "HIT") << "the memory cache was not used";
        EXPECT_EQ(gw.catalog().server().request_count(), 1u);
        // The token: the shared one cannot be read, so the gateway asks for its own.
        const auto deal =
            fetch(gw.port(), http::verb::get, "/deals/" + std::string(sample_opportunity_id));
        EXPECT_EQ(deal.result_int(), 200) << deal.body();
        EXPECT_GE(fake.commands("EVAL"), 1) << "the gateway never asked Redis";
        EXPECT_GE(metric_value(metrics_text(gw.port()), "kore_gateway_l2_errors_total").value_or(0),
                  1);
    }
    busy.reset();
    fake_io.stop();
    fake_thread.join();
}

INSTANTIATE_TEST_SUITE_P(
    section_13, redis_faults,
    ::testing::Values(redis_fault{"stall", {}}, redis_fault{"reset", {"$40\r\nhalf a", true}},
                      redis_fault{"garbage", {"?garbage\r\n"}},
                      redis_fault{"unexpected_shape", {"*2\r\n$3\r\nabc\r\n:7\r\n"}},
                      redis_fault{"error_reply", {"-NOSCRIPT no such script\r\n"}}),
    [](const ::testing::TestParamInfo<redis_fault>& param_info) { return param_info.param.name; });

} // namespace
} // namespace kore_gateway::testing
