// The per-client-IP rate limit (CONTRACT.md sections 2 and 8) on the real gateway over real
// sockets: a token bucket of 2 x GATEWAY_RATE_LIMIT_RPS, then 429 rate_limited with Retry-After.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/cache_support.hpp"
#include "support/eventually.hpp"
#include "support/gateway_with_fakes.hpp"
#include "support/test_client.hpp"

namespace kore_gateway::testing {
namespace {

using namespace std::chrono_literals;

std::string get_line(const std::string& target) {
    return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

void limit_to_two_rps(gateway_config& c) {
    c.rate_limit_rps = 2; // burst of 4; one more token every 500 ms
}

// Sends the requests pipelined in one write, so that they all reach the gateway within
// milliseconds, far less than the 500 ms a token takes to come back, then reads every answer.
std::vector<test_response> pipelined(test_client& client, const std::vector<std::string>& targets) {
    std::string bytes;
    for (const auto& target : targets) {
        bytes += get_line(target);
    }
    client.send_raw(bytes);
    std::vector<test_response> answers;
    for (std::size_t i = 0; i < targets.size(); ++i) {
        answers.push_back(client.read_response());
    }
    return answers;
}

// One GET from the given loopback address: every 127.x.y.z reaches a listener on 127.0.0.1, and
// the gateway sees another client IP. Bounded by a deadline like test_client.
test_response get_from(const std::string& local_address, std::uint16_t port,
                       const std::string& target) {
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.socket().open(tcp::v4());
    stream.socket().bind(tcp::endpoint(net::ip::make_address(local_address), 0));
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1");
    beast::flat_buffer buffer;
    test_response res;
    error_code result;
    stream.expires_after(5s);
    stream.async_connect(
        tcp::endpoint(net::ip::make_address("127.0.0.1"), port), [&](error_code connected) {
            if (connected) {
                result = connected;
                return;
            }
            http::async_write(stream, req, [&](error_code written, std::size_t) {
                if (written) {
                    result = written;
                    return;
                }
                http::async_read(stream, buffer, res,
                                 [&](error_code read, std::size_t) { result = read; });
            });
        });
    ioc.run();
    if (result) {
        throw boost::system::system_error(result, "GET from " + local_address);
    }
    return res;
}

TEST(limits, a_burst_of_twice_the_rate_passes_and_the_next_request_is_429) {
    gateway_with_fakes gw(limit_to_two_rps);
    test_client client(gw.port());
    const auto started = std::chrono::steady_clock::now();
    const auto answers =
        pipelined(client, {"/healthz", "/healthz", "/healthz", "/healthz", "/catalog/products"});
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(answers[i].result_int(), 200)
            << "request " << i << " after " << took.count() << " ms";
    }
    const auto& refused = answers[4];
    ASSERT_EQ(refused.result_int(), 429) << refused.body() << " after " << took.count() << " ms";
    // Refused before routing: nothing went upstream.
    EXPECT_EQ(gw.catalog().server().request_count(), 0u);

    const auto retry_after = header_of(refused, "Retry-After");
    ASSERT_FALSE(retry_after.empty());
    ASSERT_TRUE(std::all_of(retry_after.begin(), retry_after.end(), [](char c) {
        return c >= '0' && c <= '9';
    })) << retry_after;
    EXPECT_GE(std::stoi(retry_after), 1);

    EXPECT_TRUE(is_gateway_error(refused, 429, "rate_limited"));
    EXPECT_FALSE(header_of(refused, "X-Request-Id").empty());
    // The connection stays usable.
    EXPECT_TRUE(refused.keep_alive());
}

TEST(limits, the_client_is_admitted_again_after_retry_after) {
    gateway_with_fakes gw(limit_to_two_rps);
    test_client client(gw.port());
    const auto answers = pipelined(client, std::vector<std::string>(5, "/healthz"));
    ASSERT_EQ(answers[4].result_int(), 429);
    const auto refused_at = std::chrono::steady_clock::now();
    const auto retry_after = std::chrono::seconds(std::stoi(header_of(answers[4], "Retry-After")));

    EXPECT_TRUE(eventually(
        [&] { return fetch(gw.port(), http::verb::get, "/healthz").result_int() == 200; }, 6s));
    EXPECT_LE(std::chrono::steady_clock::now() - refused_at, retry_after + 1s);
}

TEST(limits, each_client_ip_has_its_own_bucket) {
    gateway_with_fakes gw(limit_to_two_rps);
    test_client client(gw.port());
    const auto answers = pipelined(client, std::vector<std::string>(5, "/healthz"));
    ASSERT_EQ(answers[4].result_int(), 429);
    test_response other;
    try {
        other = get_from("127.0.0.2", gw.port(), "/healthz");
    } catch (const boost::system::system_error& e) {
        GTEST_SKIP() << "no second loopback address here: " << e.what();
    }
    EXPECT_EQ(other.result_int(), 200) << other.body();
}

TEST(limits, no_limit_when_the_rate_is_zero) {
    gateway_with_fakes gw([](gateway_config& c) { c.rate_limit_rps = 0; });
    test_client client(gw.port());
    const auto answers = pipelined(client, std::vector<std::string>(50, "/healthz"));
    for (std::size_t i = 0; i < answers.size(); ++i) {
        EXPECT_EQ(answers[i].result_int(), 200) << "request " << i;
    }
    // And the cached route too, one request after another.
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(client.get("/catalog/products").result_int(), 200);
    }
}

} // namespace
} // namespace kore_gateway::testing
