// The cache-hit path of GET /catalog/products, piece by piece and whole: route match, cache
// lookup, the dispatcher's full handling (request id, CORS, access log, metrics) and the
// serialisation of the response header a client receives. The cache is filled once from the
// embedded demo Catalog (real TLS on loopback), so the entry is the one the gateway would hold.
// Also the miss path's check that an upstream body is JSON: nlohmann::json::accept, which the
// forwarder used, against is_valid_json, which replaced it, and simdjson's validating parse, a
// candidate to replace both.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include "kore_gateway/app/demo_mode.hpp"
#include "kore_gateway/app/gateway_snapshot.hpp"
#include "kore_gateway/cache/cache_key.hpp"
#include "kore_gateway/cache/cached_fetch.hpp"
#include "kore_gateway/cache/response_cache.hpp"
#include "kore_gateway/gateway/route_matcher.hpp"
#include "kore_gateway/http/json_validity.hpp"
#include "kore_gateway/log/logging.hpp"
#include "kore_gateway/mock/demo_upstreams.hpp"
#include "kore_gateway/upstream/tls_context.hpp"
#include "kore_gateway/util/clock.hpp"

namespace kg = kore_gateway;
namespace http = kg::http;

namespace {

// A gateway without a listener: the snapshot (route table, upstreams, dispatcher) of the real
// composition, on an io_context run by one thread, with the products entry already cached.
struct hit_fixture {
    kg::demo_upstreams demo;
    kg::gateway_config config = kg::with_demo_upstreams(kg::gateway_config{}, demo);
    kg::gateway_metrics metrics;
    boost::asio::io_context ioc;
    std::unique_ptr<kg::upstream_pools> pools;
    std::unique_ptr<kg::cached_fetch> cache;
    std::unique_ptr<kg::gateway_snapshot> snapshot;
    kg::request_context ctx{"127.0.0.1", std::chrono::steady_clock::now()};

    hit_fixture() {
        // warn: the access log is off, as in the load benchmark (bench/run.sh).
        kg::setup_logging("warn");
        const auto& clock = kg::steady_clock::instance();
        pools = std::make_unique<kg::upstream_pools>(std::vector{ioc.get_executor()},
                                                     kg::make_client_tls_context("", demo.ca_pem()),
                                                     metrics, clock);
        cache = std::make_unique<kg::cached_fetch>(config.cache_max_bytes, config.stale_if_error,
                                                   clock, metrics);
        snapshot = std::make_unique<kg::gateway_snapshot>(
            config, kg::snapshot_services{*pools, *cache, metrics, clock, {}, nullptr});
        pools->start_new_providers();
        // First request: a miss that fills the cache over TLS.
        std::atomic<bool> done{false};
        kg::response first;
        dispatcher().handle(products_request(), ctx, [&](kg::response res) {
            first = std::move(res);
            done = true;
        });
        auto guard = boost::asio::make_work_guard(ioc);
        std::thread runner([this] { ioc.run(); });
        for (int i = 0; i < 1000 && !done; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        guard.reset();
        pools->stop();
        ioc.stop();
        runner.join();
        if (!done || first.result() != http::status::ok) {
            throw std::runtime_error("could not fill the cache from the demo catalog");
        }
    }

    kg::request_dispatcher& dispatcher() { return snapshot->dispatcher(); }

    static kg::request products_request() {
        kg::request req{http::verb::get, "/catalog/products", 11};
        req.set(http::field::host, "127.0.0.1:8080");
        req.set(http::field::user_agent, "wrk");
        req.keep_alive(true);
        return req;
    }
};

hit_fixture& fixture() {
    static hit_fixture f;
    return f;
}

void BM_route_match(benchmark::State& state) {
    const kg::route_matcher r(fixture().snapshot->routes());
    for (auto _ : state) {
        auto m = r.match(http::verb::get, "/catalog/products");
        benchmark::DoNotOptimize(m);
    }
}
BENCHMARK(BM_route_match);

void BM_cache_find(benchmark::State& state) {
    kg::response_cache cache(64 << 20, kg::steady_clock::instance());
    auto entry = std::make_shared<kg::cached_response>();
    entry->content_type = "application/json";
    entry->body = kg::make_body(std::string(30000, 'x'));
    entry->etag = "\"0123456789abcdef\"";
    entry->stored_at = kg::steady_clock::instance().now();
    entry->expires_at = entry->stored_at + std::chrono::hours(1);
    entry->stale_until = entry->expires_at;
    cache.insert(kg::make_cache_key("catalog", "GET", "/api/v1/products", ""), entry);
    for (auto _ : state) {
        // The key is built per request on the real path too.
        const auto key = kg::make_cache_key("catalog", "GET", "/api/v1/products", "");
        auto hit = cache.find(key);
        benchmark::DoNotOptimize(hit);
    }
}
BENCHMARK(BM_cache_find);
BENCHMARK(BM_cache_find)->Threads(2);

// request_dispatcher::handle on a hit completes synchronously: the whole handler-side cost.
void BM_dispatch_hit(benchmark::State& state) {
    auto& f = fixture();
    for (auto _ : state) {
        kg::response out;
        f.dispatcher().handle(hit_fixture::products_request(), f.ctx,
                              [&out](kg::response res) { out = std::move(res); });
        benchmark::DoNotOptimize(out);
    }
}
BENCHMARK(BM_dispatch_hit);
BENCHMARK(BM_dispatch_hit)->Threads(2);

// As above, plus what the session does before writing: prepare_payload and serialising the
// header (the body is a shared buffer, written as is).
void BM_dispatch_hit_serialize(benchmark::State& state) {
    auto& f = fixture();
    std::size_t header_bytes = 0;
    for (auto _ : state) {
        kg::response out;
        f.dispatcher().handle(hit_fixture::products_request(), f.ctx,
                              [&out](kg::response res) { out = std::move(res); });
        out.keep_alive(true);
        out.prepare_payload();
        http::response_serializer<kg::shared_body> sr(out);
        sr.split(true);
        boost::system::error_code ec;
        sr.next(ec, [&](boost::system::error_code&, const auto& buffers) {
            header_bytes = boost::asio::buffer_size(buffers);
            sr.consume(header_bytes);
        });
        benchmark::DoNotOptimize(header_bytes);
    }
    state.counters["header_bytes"] = static_cast<double>(header_bytes);
}
BENCHMARK(BM_dispatch_hit_serialize);

// KORE's answer for the documentation's sample deal (an array of one, indented), ~700 bytes of
// short strings and decimals: bench/data/deal.json, which bench/make_data.sh also gives the load
// benchmark's origin to serve, so that the two measure the same body.
const std::string& deal_summary_body() {
    static const std::string body = [] {
        std::ifstream in(KORE_BENCH_DEAL_JSON, std::ios::binary);
        std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        if (text.empty()) {
            throw std::runtime_error("cannot read " KORE_BENCH_DEAL_JSON);
        }
        return text;
    }();
    return body;
}

// A Catalog products answer of ~30 KB, compact as the Catalog sends it: categories of products
// with ids, names, descriptions and vendors, a few of them not ASCII.
const std::string& products_body() {
    static const std::string body = [] {
        const char* vendors[] = {"Nimbus Software", "Société Générale Logiciels",
                                 "Großmann Datentechnik", "Kōbō Systems"};
        nlohmann::ordered_json categories = nlohmann::ordered_json::array();
        for (int c = 0; c < 8; ++c) {
            nlohmann::ordered_json products = nlohmann::ordered_json::array();
            for (int p = 0; p < 12; ++p) {
                const auto n = std::to_string(c * 12 + p);
                products.push_back({
                    {"productId",
                     "0e809ad4-2179-4210-9b1d-fc7c3717" + std::string(4 - n.size(), '0') + n},
                    {"productName", "Nimbus Workspace Business " + n},
                    {"productDescription",
                     "E-mail, calendars, files and meetings for up to 300 users – edition " + n +
                         ", billed monthly or yearly."},
                    {"productVendorName", vendors[p % 4]},
                    {"productVendorId",
                     "fa580b6c-193e-4f9c-8507-3990b228" + std::string(4 - n.size(), '0') + n},
                });
            }
            categories.push_back(
                {{"categoryId", "af2f2b0c-f799-44ef-8ea8-1ef69832dd7" + std::to_string(c)},
                 {"categoryName", "Productivity & Collaboration " + std::to_string(c)},
                 {"products", std::move(products)}});
        }
        return categories.dump();
    }();
    return body;
}

template <class Check>
void run_json_check(benchmark::State& state, const std::string& body, Check check) {
    if (!check(body)) {
        state.SkipWithError("the body is not valid JSON");
        return;
    }
    for (auto _ : state) {
        bool valid = check(body);
        benchmark::DoNotOptimize(valid);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
    state.counters["body_bytes"] = static_cast<double>(body.size());
}

void BM_json_accept_nlohmann(benchmark::State& state, const std::string& (*body)()) {
    run_json_check(state, body(), [](const std::string& b) { return nlohmann::json::accept(b); });
}
BENCHMARK_CAPTURE(BM_json_accept_nlohmann, deal_summary, deal_summary_body);
BENCHMARK_CAPTURE(BM_json_accept_nlohmann, products, products_body);

void BM_is_valid_json(benchmark::State& state, const std::string& (*body)()) {
    run_json_check(state, body(), [](const std::string& b) { return kg::is_valid_json(b); });
}
BENCHMARK_CAPTURE(BM_is_valid_json, deal_summary, deal_summary_body);
BENCHMARK_CAPTURE(BM_is_valid_json, products, products_body);

// simdjson's DOM parse validates fully (structure, UTF-8, numbers) while building its tape. The
// parser is reused across iterations as a per-thread parser would be. simdjson reads up to
// SIMDJSON_PADDING bytes past the input: "padded" hands it a padded_string made once (the best
// case, as if the body were received into a padded buffer), "copy" the std::string as is, which
// it first copies into its own padded buffer (what the forwarder would do with a body it holds).
void BM_simdjson_validate_padded(benchmark::State& state, const std::string& (*body)()) {
    simdjson::dom::parser parser;
    const simdjson::padded_string padded(body());
    run_json_check(state, body(), [&](const std::string&) {
        return parser.parse(padded).error() == simdjson::SUCCESS;
    });
}
BENCHMARK_CAPTURE(BM_simdjson_validate_padded, deal_summary, deal_summary_body);
BENCHMARK_CAPTURE(BM_simdjson_validate_padded, products, products_body);

void BM_simdjson_validate_copy(benchmark::State& state, const std::string& (*body)()) {
    simdjson::dom::parser parser;
    run_json_check(state, body(), [&](const std::string& b) {
        return parser.parse(b.data(), b.size(), true).error() == simdjson::SUCCESS;
    });
}
BENCHMARK_CAPTURE(BM_simdjson_validate_copy, deal_summary, deal_summary_body);
BENCHMARK_CAPTURE(BM_simdjson_validate_copy, products, products_body);

} // namespace

BENCHMARK_MAIN();
