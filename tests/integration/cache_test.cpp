// The response cache seen from outside (CONTRACT.md sections 3 and 6): the real gateway over real
// sockets, in front of the fake Catalog and KORE servers over real TLS, with the fakes' recorded
// requests telling what went upstream.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/cache_support.hpp"
#include "support/eventually.hpp"
#include "support/gateway_with_fakes.hpp"
#include "support/metrics.hpp"
#include "support/targets.hpp"
#include "support/test_client.hpp"

namespace kore_gateway::testing {
namespace {

using namespace std::chrono_literals;

// How long a test waits for a 1 s TTL (and its stale window) to pass.
constexpr auto ttl_bound = 6s;
// A second product of the fake catalog, with offers of its own.
const std::string other_product_id = "e771b3bb-2061-4223-8ad2-4f3a70394c10";

std::string offers_path(std::string_view product_id, std::string_view customer_id) {
    return "/catalog/products/" + std::string(product_id) +
           "/offers?customerId=" + std::string(customer_id);
}

bool is_whole_seconds(const std::string& text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// fetch_concurrently while the Catalog fake holds its answers, released only once the upstream
// request is held and the gateway reports all n requests waiting on a cache fill: they pile up
// behind one upstream exchange however slowly the machine runs (sanitizer builds on a busy CI
// machine).
std::vector<test_response>
concurrent_gets_behind_one_fill(gateway_with_fakes& gw, const std::string& target, std::size_t n) {
    auto& catalog = gw.catalog().server();
    catalog.hold_answers();
    auto answers = std::async(
        std::launch::async, [&gw, &target, n] { return fetch_concurrently(gw.port(), n, target); });
    const bool piled_up = eventually(
        [&gw, &catalog, n] {
            return catalog.held_answers() > 0 &&
                   metric_value(metrics_text(gw.port()), "kore_gateway_cache_waiting_requests") ==
                       static_cast<double>(n);
        },
        20s);
    catalog.release_answers();
    EXPECT_TRUE(piled_up) << "never an upstream request held with " << n << " requests waiting";
    return answers.get();
}

// Gives an upstream exchange held by concurrent_gets_behind_one_fill time for the requests to
// pile up behind it.
void patient_upstream(gateway_config& c) {
    c.upstream_timeout = 30s;
}

// ---------------------------------------------------------------------------------------------
// Hits, misses, TTL

TEST(cache_integration, products_miss_then_hit_then_miss_again_once_the_ttl_has_passed) {
    gateway_with_fakes gw([](gateway_config& c) { c.catalog_ttl = 1s; });
    const auto& upstream = gw.catalog().server();
    const auto started = std::chrono::steady_clock::now();

    const auto miss = fetch(gw.port(), http::verb::get, products_path);
    ASSERT_EQ(miss.result_int(), 200) << miss.body();
    EXPECT_EQ(x_cache(miss), "MISS");
    EXPECT_FALSE(header_of(miss, "ETag").empty());
    EXPECT_EQ(header_of(miss, "Content-Type"), "application/json");
    EXPECT_EQ(upstream.request_count(), 1u);

    const auto hit = fetch(gw.port(), http::verb::get, products_path);
    ASSERT_EQ(hit.result_int(), 200) << hit.body();
    EXPECT_EQ(x_cache(hit), "HIT");
    EXPECT_EQ(hit.body(), miss.body()); // byte for byte
    EXPECT_EQ(header_of(hit, "ETag"), header_of(miss, "ETag"));
    EXPECT_EQ(header_of(hit, "Content-Type"), "application/json");
    EXPECT_TRUE(is_whole_seconds(header_of(hit, "Age"))) << header_of(hit, "Age");
    EXPECT_EQ(upstream.request_count(), 1u);

    test_response after;
    EXPECT_TRUE(eventually(
        [&] {
            after = fetch(gw.port(), http::verb::get, products_path);
            return x_cache(after) != "HIT";
        },
        ttl_bound));
    EXPECT_GE(std::chrono::steady_clock::now() - started, 1s);
    ASSERT_EQ(after.result_int(), 200) << after.body();
    EXPECT_EQ(x_cache(after), "MISS");
    EXPECT_EQ(after.body(), miss.body());
    EXPECT_EQ(upstream.request_count(), 2u);
}

TEST(cache_integration, age_counts_the_whole_seconds_since_the_answer_was_stored) {
    gateway_with_fakes gw([](gateway_config& c) { c.catalog_ttl = 60s; });
    const auto miss = fetch(gw.port(), http::verb::get, products_path);
    ASSERT_EQ(x_cache(miss), "MISS");
    EXPECT_TRUE(header_of(miss, "Age").empty()) << "a fresh answer has no age";

    std::vector<int> ages;
    test_response last;
    EXPECT_TRUE(eventually(
        [&] {
            last = fetch(gw.port(), http::verb::get, products_path);
            const auto age = header_of(last, "Age");
            if (x_cache(last) != "HIT" || !is_whole_seconds(age)) {
                return true; // stop: reported below
            }
            ages.push_back(std::stoi(age));
            return ages.back() >= 1;
        },
        ttl_bound));
    EXPECT_EQ(x_cache(last), "HIT");
    ASSERT_FALSE(ages.empty()) << "Age: '" << header_of(last, "Age") << "'";
    EXPECT_EQ(ages.front(), 0);
    EXPECT_EQ(ages.back(), 1);
    EXPECT_TRUE(std::is_sorted(ages.begin(), ages.end()));
    EXPECT_EQ(gw.catalog().server().request_count(), 1u);
}

TEST(cache_integration, offers_are_cached_per_product_and_customer) {
    gateway_with_fakes gw;
    const std::vector<std::string> products{std::string(sample_product_id), other_product_id};
    const std::vector<std::string> customers{"customer-1", "customer-2"};
    std::map<std::string, std::string> bodies;
    for (const auto& product : products) {
        for (const auto& customer : customers) {
            const auto res = fetch(gw.port(), http::verb::get, offers_path(product, customer));
            ASSERT_EQ(res.result_int(), 200) << res.body();
            EXPECT_EQ(x_cache(res), "MISS") << product << ' ' << customer;
            bodies[offers_path(product, customer)] = res.body();
        }
    }
    EXPECT_EQ(gw.catalog().server().request_count(), 4u);
    EXPECT_NE(bodies[offers_path(products[0], customers[0])],
              bodies[offers_path(products[1], customers[0])]);

    for (const auto& [path, body] : bodies) {
        const auto res = fetch(gw.port(), http::verb::get, path);
        EXPECT_EQ(x_cache(res), "HIT") << path;
        EXPECT_EQ(res.body(), body) << path;
    }
    EXPECT_EQ(gw.catalog().server().request_count(), 4u);

    // Each went upstream once with its own product and customer.
    std::multiset<std::string> targets;
    for (const auto& req : gw.catalog().server().requests()) {
        targets.insert(req.target);
    }
    for (const auto& product : products) {
        for (const auto& customer : customers) {
            EXPECT_EQ(
                targets.count("/api/v1/products/" + product + "/offers?customerId=" + customer),
                1u);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Coalescing

TEST(cache_integration, concurrent_cold_requests_for_one_key_make_one_upstream_request) {
    gateway_with_fakes gw(patient_upstream);
    const auto answers = concurrent_gets_behind_one_fill(gw, products_path, 20);
    ASSERT_EQ(answers.size(), 20u);
    EXPECT_EQ(gw.catalog().server().request_count(), 1u);
    for (const auto& res : answers) {
        EXPECT_EQ(res.result_int(), 200);
        // A request served from the filled cache would have been a HIT.
        EXPECT_EQ(x_cache(res), "MISS");
        EXPECT_EQ(res.body(), answers.front().body());
        EXPECT_EQ(header_of(res, "ETag"), header_of(answers.front(), "ETag"));
    }
}

TEST(cache_integration, an_upstream_error_fans_out_to_every_waiter_and_is_not_cached) {
    gateway_with_fakes gw(patient_upstream);
    const std::string error_body =
        R"({"title":"Internal Server Error","status":500,"detail":"database unavailable"})";
    bend_catalog(gw.catalog(), [error_body](mock_reply& reply) {
        reply.status = 500;
        reply.body = error_body;
    });
    const auto answers = concurrent_gets_behind_one_fill(gw, products_path, 20);
    ASSERT_EQ(answers.size(), 20u);
    EXPECT_EQ(gw.catalog().server().request_count(), 1u);
    for (const auto& res : answers) {
        EXPECT_EQ(res.result_int(), 500);
        EXPECT_EQ(res.body(), error_body); // passed through
        EXPECT_EQ(header_of(res, "Content-Type"), "application/json");
        EXPECT_EQ(x_cache(res), "MISS");
    }
    // Not cached: the next request asks again.
    EXPECT_EQ(fetch(gw.port(), http::verb::get, products_path).result_int(), 500);
    EXPECT_EQ(gw.catalog().server().request_count(), 2u);
}

// ---------------------------------------------------------------------------------------------
// Stale-if-error

struct stored_then_expired {
    test_response stored;   // the MISS that filled the cache
    test_response answered; // the first answer that was not a HIT any more
};

// Fills the cache with the products answer, breaks the Catalog fake, then polls until the entry
// is no longer fresh.
stored_then_expired expire_with_broken_upstream(gateway_with_fakes& gw,
                                                const std::function<void()>& break_upstream) {
    stored_then_expired out;
    out.stored = fetch(gw.port(), http::verb::get, products_path);
    EXPECT_EQ(out.stored.result_int(), 200) << out.stored.body();
    EXPECT_EQ(x_cache(out.stored), "MISS");
    break_upstream();
    EXPECT_TRUE(eventually(
        [&out, &gw] {
            out.answered = fetch(gw.port(), http::verb::get, products_path);
            return x_cache(out.answered) != "HIT";
        },
        ttl_bound));
    return out;
}

void expect_stale_copy_of(const test_response& res, const test_response& stored) {
    EXPECT_EQ(res.result_int(), 200) << res.body();
    EXPECT_EQ(x_cache(res), "STALE");
    EXPECT_EQ(res.body(), stored.body());
    EXPECT_EQ(header_of(res, "ETag"), header_of(stored, "ETag"));
    const auto age = header_of(res, "Age");
    ASSERT_TRUE(is_whole_seconds(age)) << age;
    EXPECT_GE(std::stoi(age), 1);
}

void stale_ttl(gateway_config& c) {
    c.catalog_ttl = 1s;
    c.stale_if_error = 600s;
}

TEST(cache_integration, stale_entry_is_served_when_the_refresh_answers_500) {
    gateway_with_fakes gw([](gateway_config& c) {
        stale_ttl(c);
        patient_upstream(c);
    });
    const auto result = expire_with_broken_upstream(gw, [&gw] {
        bend_catalog(gw.catalog(), [](mock_reply& reply) {
            reply.status = 500;
            reply.body = R"({"title":"Internal Server Error","status":500})";
        });
    });
    expect_stale_copy_of(result.answered, result.stored);
    EXPECT_EQ(gw.catalog().server().request_count(), 2u);
    // Still stale on the next request: a failed refresh leaves the old entry in place.
    expect_stale_copy_of(fetch(gw.port(), http::verb::get, products_path), result.stored);
    EXPECT_GE(metric_value(metrics_text(gw.port()), "kore_gateway_cache_stale_total").value_or(0),
              2);

    // Concurrent requests for the stale key share one failing refresh and all get the old copy.
    bend_catalog(gw.catalog(), [](mock_reply& reply) {
        reply.status = 503;
        reply.body = R"({"title":"Service Unavailable","status":503})";
    });
    const auto before = gw.catalog().server().request_count();
    const auto answers = concurrent_gets_behind_one_fill(gw, products_path, 20);
    ASSERT_EQ(answers.size(), 20u);
    for (const auto& res : answers) {
        expect_stale_copy_of(res, result.stored);
    }
    EXPECT_EQ(gw.catalog().server().request_count(), before + 1);

    // A client holding the stale copy's tag is told it is still the one to use.
    const auto not_modified = fetch(gw.port(), http::verb::get, products_path,
                                    {{"If-None-Match", header_of(result.stored, "ETag")}});
    EXPECT_EQ(not_modified.result_int(), 304);
    EXPECT_EQ(x_cache(not_modified), "STALE");
    EXPECT_TRUE(not_modified.body().empty());
}

TEST(cache_integration, stale_entry_is_served_when_the_upstream_refuses_connections) {
    gateway_with_fakes gw(stale_ttl);
    const auto result = expire_with_broken_upstream(gw, [&gw] { gw.catalog().server().stop(); });
    expect_stale_copy_of(result.answered, result.stored);
}

TEST(cache_integration, stale_entry_is_served_when_the_upstream_closes_without_answering) {
    gateway_with_fakes gw(stale_ttl);
    const auto result = expire_with_broken_upstream(gw, [&gw] {
        bend_catalog(gw.catalog(),
                     [](mock_reply& reply) { reply.what = fault::close_before_answer; });
    });
    expect_stale_copy_of(result.answered, result.stored);
    // A connection cut in the middle of the answer is a connection error too.
    bend_catalog(gw.catalog(), [](mock_reply& reply) { reply.what = fault::close_mid_body; });
    expect_stale_copy_of(fetch(gw.port(), http::verb::get, products_path), result.stored);
}

TEST(cache_integration, stale_entry_is_served_when_the_refresh_answers_garbage) {
    gateway_with_fakes gw(stale_ttl);
    const auto result = expire_with_broken_upstream(gw, [&gw] {
        bend_catalog(gw.catalog(), [](mock_reply& reply) { reply.what = fault::garbage; });
    });
    expect_stale_copy_of(result.answered, result.stored);
    // A well-formed answer whose body is not JSON is no usable refresh either.
    bend_catalog(gw.catalog(), [](mock_reply& reply) { reply.body = "<html>oops</html>"; });
    expect_stale_copy_of(fetch(gw.port(), http::verb::get, products_path), result.stored);
}

TEST(cache_integration, stale_entry_is_served_when_the_refresh_times_out) {
    gateway_with_fakes gw([](gateway_config& c) {
        stale_ttl(c);
        c.upstream_timeout = 1000ms;
    });
    const auto result = expire_with_broken_upstream(gw, [&gw] {
        bend_catalog(gw.catalog(), [](mock_reply& reply) { reply.what = fault::hang; });
    });
    expect_stale_copy_of(result.answered, result.stored);
}

TEST(cache_integration, past_the_stale_window_the_client_gets_the_error_itself) {
    gateway_with_fakes gw([](gateway_config& c) {
        c.catalog_ttl = 1s;
        c.stale_if_error = 1s;
        c.upstream_timeout = 1000ms;
        // The failures below would open the circuit, whose 503 would stand in for the errors
        // this test is about (resilience_test.cpp covers the circuit with stale entries).
        c.circuit_failures = 0;
    });
    const auto server_error = offers_path(sample_product_id, "answers-500");
    const auto closing = offers_path(sample_product_id, "closes");
    const auto hanging = offers_path(sample_product_id, "hangs");
    for (const auto& path : {server_error, closing, hanging}) {
        const auto res = fetch(gw.port(), http::verb::get, path);
        ASSERT_EQ(res.result_int(), 200) << res.body();
        ASSERT_EQ(x_cache(res), "MISS");
    }
    const std::string error_body = R"({"title":"Internal Server Error","status":500})";
    gw.catalog().server().set_handler([error_body](const recorded_request& req) {
        mock_reply reply;
        if (req.target.ends_with("=closes")) {
            reply.what = fault::close_before_answer;
        } else if (req.target.ends_with("=hangs")) {
            reply.what = fault::hang;
        } else {
            reply.status = 500;
            reply.body = error_body;
        }
        return reply;
    });
    // The first answer of path that is neither fresh nor stale any more.
    const auto past_window = [&gw](const std::string& path) {
        test_response res;
        EXPECT_TRUE(eventually(
            [&] {
                res = fetch(gw.port(), http::verb::get, path);
                return x_cache(res) != "HIT" && x_cache(res) != "STALE";
            },
            ttl_bound))
            << path;
        return res;
    };

    const auto error = past_window(server_error);
    EXPECT_EQ(error.result_int(), 500);
    EXPECT_EQ(error.body(), error_body);
    EXPECT_EQ(x_cache(error), "MISS");

    const auto unavailable = past_window(closing);
    EXPECT_EQ(unavailable.result_int(), 502);
    EXPECT_EQ(body_json(unavailable)["error"], "upstream_unavailable");

    const auto timeout = past_window(hanging);
    EXPECT_EQ(timeout.result_int(), 504);
    EXPECT_EQ(body_json(timeout)["error"], "upstream_timeout");
}

// ---------------------------------------------------------------------------------------------
// What is never stored

TEST(cache_integration, no_store_and_private_answers_are_never_cached) {
    for (const std::string cache_control : {"no-store", "private", "max-age=60, private"}) {
        SCOPED_TRACE(cache_control);
        gateway_with_fakes gw;
        bend_catalog(gw.catalog(), [cache_control](mock_reply& reply) {
            reply.headers.emplace_back("Cache-Control", cache_control);
        });
        for (int i = 0; i < 2; ++i) {
            const auto res = fetch(gw.port(), http::verb::get, products_path);
            EXPECT_EQ(res.result_int(), 200);
            EXPECT_EQ(x_cache(res), "MISS");
        }
        EXPECT_EQ(gw.catalog().server().request_count(), 2u);
    }
}

TEST(cache_integration, an_answer_with_another_cache_control_is_cached) {
    gateway_with_fakes gw;
    bend_catalog(gw.catalog(), [](mock_reply& reply) {
        reply.headers.emplace_back("Cache-Control", "public, max-age=60");
    });
    EXPECT_EQ(x_cache(fetch(gw.port(), http::verb::get, products_path)), "MISS");
    EXPECT_EQ(x_cache(fetch(gw.port(), http::verb::get, products_path)), "HIT");
    EXPECT_EQ(gw.catalog().server().request_count(), 1u);
}

TEST(cache_integration, a_404_for_an_unknown_product_is_passed_through_and_not_cached) {
    gateway_with_fakes gw;
    const auto path = offers_path("no-such-product", "customer-1");
    for (int i = 0; i < 2; ++i) {
        const auto res = fetch(gw.port(), http::verb::get, path);
        EXPECT_EQ(res.result_int(), 404);
        EXPECT_EQ(x_cache(res), "MISS");
        EXPECT_EQ(body_json(res)["status"], 404) << res.body(); // the Catalog's own error
    }
    EXPECT_EQ(gw.catalog().server().request_count(), 2u);
}

TEST(cache_integration, price_posts_are_never_cached) {
    gateway_with_fakes gw;
    const auto path = "/catalog/products/" + std::string(sample_product_id) + "/offers/" +
                      std::string(sample_offer_id) + "/price?customerId=customer-1";
    const std::string body = R"({"formData":[{"elementKey":"users","elementValue":5}]})";
    std::vector<std::string> answers;
    for (int i = 0; i < 2; ++i) {
        const auto res = fetch(gw.port(), http::verb::post, path, {}, body);
        ASSERT_EQ(res.result_int(), 200) << res.body();
        EXPECT_NE(x_cache(res), "HIT");
        answers.push_back(res.body());
    }
    EXPECT_EQ(answers[0], answers[1]);
    EXPECT_EQ(gw.catalog().server().request_count(), 2u);
}

// ---------------------------------------------------------------------------------------------
// Deals

TEST(cache_integration, deals_are_not_cached_by_default) {
    gateway_with_fakes gw;
    for (int i = 0; i < 2; ++i) {
        const auto res = fetch(gw.port(), http::verb::get, deal_target);
        ASSERT_EQ(res.result_int(), 200) << res.body();
        EXPECT_EQ(res.count("X-Cache"), 0u) << x_cache(res);
    }
    EXPECT_EQ(gw.kore().server().request_count(), 2u);
}

TEST(cache_integration, deals_are_cached_when_a_deals_ttl_is_set) {
    gateway_with_fakes gw([](gateway_config& c) { c.deals_ttl = 60s; });
    const auto miss = fetch(gw.port(), http::verb::get, deal_target);
    ASSERT_EQ(miss.result_int(), 200) << miss.body();
    EXPECT_EQ(x_cache(miss), "MISS");
    const auto hit = fetch(gw.port(), http::verb::get, deal_target);
    EXPECT_EQ(x_cache(hit), "HIT");
    EXPECT_EQ(hit.body(), miss.body());
    EXPECT_EQ(gw.kore().server().request_count(), 1u);
}

// ---------------------------------------------------------------------------------------------
// Conditional requests

TEST(cache_integration, if_none_match_with_the_etag_gives_304_without_a_body) {
    gateway_with_fakes gw;
    const auto miss = fetch(gw.port(), http::verb::get, products_path);
    const auto hit = fetch(gw.port(), http::verb::get, products_path);
    ASSERT_EQ(x_cache(hit), "HIT");
    const auto etag = header_of(hit, "ETag");
    ASSERT_FALSE(etag.empty());
    EXPECT_EQ(etag, header_of(miss, "ETag"));

    for (const auto& tag : {etag, "W/" + etag, "\"something-else\", " + etag, std::string("*")}) {
        SCOPED_TRACE(tag);
        const auto res = fetch(gw.port(), http::verb::get, products_path, {{"If-None-Match", tag}});
        EXPECT_EQ(res.result_int(), 304);
        EXPECT_TRUE(res.body().empty());
        EXPECT_EQ(header_of(res, "ETag"), etag);
        EXPECT_EQ(x_cache(res), "HIT");
    }

    const auto other =
        fetch(gw.port(), http::verb::get, products_path, {{"If-None-Match", "\"not-it\""}});
    EXPECT_EQ(other.result_int(), 200);
    EXPECT_EQ(other.body(), miss.body());
    EXPECT_EQ(header_of(other, "ETag"), etag);
    EXPECT_EQ(gw.catalog().server().request_count(), 1u);
}

// Two If-None-Match lines are one list (RFC 9110 section 5.3).
TEST(cache_integration, if_none_match_split_over_two_header_lines_gives_304) {
    gateway_with_fakes gw;
    const auto etag = header_of(fetch(gw.port(), http::verb::get, products_path), "ETag");
    ASSERT_FALSE(etag.empty());
    test_client client(gw.port());
    client.send_raw("GET " + products_path +
                    " HTTP/1.1\r\nHost: 127.0.0.1\r\nIf-None-Match: \"something-else\"\r\n"
                    "If-None-Match: " +
                    etag + "\r\n\r\n");
    const auto res = client.read_response();
    EXPECT_EQ(res.result_int(), 304);
    EXPECT_TRUE(res.body().empty());
}

TEST(cache_integration, a_browser_may_read_the_cache_headers) {
    gateway_with_fakes gw;
    const std::map<std::string, std::string> from_browser{{"Origin", "https://app.example"}};
    fetch(gw.port(), http::verb::get, products_path, from_browser);
    const auto hit = fetch(gw.port(), http::verb::get, products_path, from_browser);
    ASSERT_EQ(x_cache(hit), "HIT");
    const auto exposed = header_of(hit, "Access-Control-Expose-Headers");
    for (const char* name : {"X-Cache", "Age", "ETag"}) {
        EXPECT_NE(exposed.find(name), std::string::npos) << name << " in '" << exposed << "'";
    }
}

// ---------------------------------------------------------------------------------------------
// Purge

TEST(cache_integration, purge_is_404_while_no_admin_token_is_configured) {
    gateway_with_fakes gw;
    const auto res = fetch(gw.port(), http::verb::post, "/admin/cache/purge",
                           {{"Authorization", "Bearer anything"}});
    EXPECT_EQ(res.result_int(), 404);
    EXPECT_EQ(body_json(res)["error"], "not_found");
}

TEST(cache_integration, purge_needs_the_admin_token) {
    gateway_with_fakes gw([](gateway_config& c) { c.admin_token = "admin-secret-1"; });
    EXPECT_EQ(fetch(gw.port(), http::verb::get, products_path).result_int(), 200);
    for (const auto& headers : std::vector<std::map<std::string, std::string>>{
             {},
             {{"Authorization", "Bearer wrong-token"}},
             {{"Authorization", "Bearer admin-secret-"}},
             {{"Authorization", "Basic admin-secret-1"}},
             {{"Authorization", "admin-secret-1"}}}) {
        const auto res = fetch(gw.port(), http::verb::post, "/admin/cache/purge", headers);
        EXPECT_TRUE(is_gateway_error(res, 401, "unauthorized"));
        EXPECT_EQ(res.body().find("admin-secret-1"), std::string::npos);
    }
    // Nothing was purged.
    EXPECT_EQ(x_cache(fetch(gw.port(), http::verb::get, products_path)), "HIT");
}

TEST(cache_integration, purge_with_the_admin_token_empties_the_cache) {
    gateway_with_fakes gw([](gateway_config& c) { c.admin_token = "admin-secret-1"; });
    for (const auto& path : {products_path, offers_path(sample_product_id, "customer-1"),
                             offers_path(other_product_id, "customer-1")}) {
        ASSERT_EQ(x_cache(fetch(gw.port(), http::verb::get, path)), "MISS") << path;
    }
    EXPECT_EQ(metric_value(metrics_text(gw.port()), "kore_gateway_cache_entries"), 3);

    const auto purged = fetch(gw.port(), http::verb::post, "/admin/cache/purge",
                              {{"Authorization", "Bearer admin-secret-1"}});
    ASSERT_EQ(purged.result_int(), 200) << purged.body();
    EXPECT_EQ(body_json(purged), nlohmann::json({{"purged", 3}}));
    EXPECT_EQ(metric_value(metrics_text(gw.port()), "kore_gateway_cache_entries"), 0);

    EXPECT_EQ(x_cache(fetch(gw.port(), http::verb::get, products_path)), "MISS");
    EXPECT_EQ(gw.catalog().server().request_count(), 4u);

    const auto again = fetch(gw.port(), http::verb::post, "/admin/cache/purge",
                             {{"Authorization", "Bearer admin-secret-1"}});
    EXPECT_EQ(body_json(again), nlohmann::json({{"purged", 1}}));
}

// ---------------------------------------------------------------------------------------------
// Memory bound

// What one offers answer costs the cache, as the gateway itself counts it.
double offers_entry_bytes() {
    gateway_with_fakes gw;
    const auto res = fetch(gw.port(), http::verb::get, offers_path(sample_product_id, "c-0"));
    EXPECT_EQ(res.result_int(), 200) << res.body();
    return metric_value(metrics_text(gw.port()), "kore_gateway_cache_bytes").value_or(0);
}

TEST(cache_integration, the_byte_bound_evicts_the_older_entry) {
    const auto entry_bytes = offers_entry_bytes();
    ASSERT_GT(entry_bytes, 0);
    // Customer ids of one length: every entry costs the same.
    gateway_with_fakes gw([entry_bytes](gateway_config& c) {
        c.cache_max_bytes = static_cast<std::size_t>(entry_bytes * 1.5);
    });
    const auto first = offers_path(sample_product_id, "c-1");
    const auto second = offers_path(sample_product_id, "c-2");
    EXPECT_EQ(x_cache(fetch(gw.port(), http::verb::get, first)), "MISS");
    EXPECT_EQ(x_cache(fetch(gw.port(), http::verb::get, first)), "HIT");
    EXPECT_EQ(x_cache(fetch(gw.port(), http::verb::get, second)), "MISS");
    EXPECT_EQ(x_cache(fetch(gw.port(), http::verb::get, second)), "HIT");
    EXPECT_EQ(x_cache(fetch(gw.port(), http::verb::get, first)), "MISS");
    EXPECT_EQ(gw.catalog().server().request_count(), 3u);

    const auto metrics = metrics_text(gw.port());
    EXPECT_EQ(metric_value(metrics, "kore_gateway_cache_entries"), 1);
    EXPECT_LE(metric_value(metrics, "kore_gateway_cache_bytes").value_or(1e12), entry_bytes * 1.5);
    EXPECT_EQ(metric_value(metrics, "kore_gateway_cache_evictions_total"), 2);
}

TEST(cache_integration, the_least_recently_used_entry_is_evicted_first) {
    const auto entry_bytes = offers_entry_bytes();
    ASSERT_GT(entry_bytes, 0);
    gateway_with_fakes gw([entry_bytes](gateway_config& c) {
        c.cache_max_bytes = static_cast<std::size_t>(entry_bytes * 2.5);
    });
    const auto a = offers_path(sample_product_id, "c-a");
    const auto b = offers_path(sample_product_id, "c-b");
    const auto c = offers_path(sample_product_id, "c-c");
    EXPECT_EQ(x_cache(fetch(gw.port(), http::verb::get, a)), "MISS");
    EXPECT_EQ(x_cache(fetch(gw.port(), http::verb::get, b)), "MISS");
    // a is used again, so b is now the least recently used.
    EXPECT_EQ(x_cache(fetch(gw.port(), http::verb::get, a)), "HIT");
    EXPECT_EQ(x_cache(fetch(gw.port(), http::verb::get, c)), "MISS");
    EXPECT_EQ(x_cache(fetch(gw.port(), http::verb::get, a)), "HIT");
    EXPECT_EQ(x_cache(fetch(gw.port(), http::verb::get, c)), "HIT");
    EXPECT_EQ(x_cache(fetch(gw.port(), http::verb::get, b)), "MISS");
    EXPECT_EQ(gw.catalog().server().request_count(), 4u);
}

// ---------------------------------------------------------------------------------------------
// Metrics

TEST(cache_integration, metrics_count_hits_misses_and_entries) {
    gateway_with_fakes gw;
    EXPECT_EQ(x_cache(fetch(gw.port(), http::verb::get, products_path)), "MISS");
    EXPECT_EQ(x_cache(fetch(gw.port(), http::verb::get, products_path)), "HIT");
    const auto metrics = metrics_text(gw.port());
    EXPECT_EQ(metric_value(metrics, "kore_gateway_cache_hits_total"), 1) << metrics;
    EXPECT_GE(metric_value(metrics, "kore_gateway_cache_misses_total").value_or(0), 1) << metrics;
    EXPECT_GE(metric_value(metrics, "kore_gateway_cache_entries").value_or(0), 1) << metrics;
    EXPECT_GT(metric_value(metrics, "kore_gateway_cache_bytes").value_or(0), 0) << metrics;
}

} // namespace
} // namespace kore_gateway::testing
