#include "kore_gateway/gateway/forwarder.hpp"

#include <chrono>
#include <utility>

#include <spdlog/spdlog.h>

#include "kore_gateway/http/json_validity.hpp"
#include "kore_gateway/util/ascii.hpp"

namespace kore_gateway {

struct forwarder::attempt {
    forward_request outgoing;
    std::function<void(forward_result)> done;
    bool renewed_after_401 = false;
    std::chrono::steady_clock::time_point first_sent_at; // for upstream_ms, the 401 path included
    std::chrono::steady_clock::time_point sent_at;
    circuit_breaker::admission admission{};
};

namespace {

forward_result failure(forward_failure why, std::string message) {
    forward_result result;
    result.failure = why;
    result.message = std::move(message);
    return result;
}

forward_failure failure_of(upstream_errc e) {
    switch (e) {
    case upstream_errc::timeout:
        return forward_failure::timeout;
    case upstream_errc::invalid_response:
        return forward_failure::invalid_response;
    case upstream_errc::ok:
    case upstream_errc::connect_failed:
    case upstream_errc::tls_failed:
    case upstream_errc::connection_reset:
        break;
    }
    return forward_failure::unavailable;
}

bool sends_body(http::verb method) {
    return method == http::verb::post || method == http::verb::put || method == http::verb::patch;
}

} // namespace

const error_kind& error_kind_of(forward_failure failure) {
    switch (failure) {
    case forward_failure::timeout:
        return errors::upstream_timeout;
    case forward_failure::invalid_response:
        return errors::upstream_invalid_response;
    case forward_failure::auth_failed:
        return errors::upstream_auth_failed;
    case forward_failure::circuit_open:
        return errors::upstream_circuit_open;
    case forward_failure::none:
    case forward_failure::unavailable:
        break;
    }
    return errors::upstream_unavailable;
}

route_outcome failure_outcome(const forward_result& failed) {
    auto outcome = error_outcome(error_kind_of(failed.failure), failed.message);
    if (failed.failure == forward_failure::circuit_open) {
        outcome.res.set(http::field::retry_after, std::to_string(failed.retry_after.count()));
    }
    return outcome;
}

forwarder::forwarder(upstream_config config, std::shared_ptr<upstream_client> client,
                     std::shared_ptr<token_source> tokens, gateway_metrics& metrics,
                     std::shared_ptr<circuit_breaker> breaker)
    : config_(std::move(config)), client_(std::move(client)), tokens_(std::move(tokens)),
      metrics_(metrics), breaker_(std::move(breaker)) {
    fixed_lines_.set(http::field::accept, "application/json");
    fixed_lines_.set(http::field::user_agent, "kore-gateway/" KORE_GATEWAY_VERSION);
    if (!config_.api_key.empty()) {
        fixed_lines_.set(config_.api_key_header, config_.api_key);
    }
    if (!config_.api_version.empty()) {
        fixed_lines_.set("X-Api-Version", config_.api_version);
    }
}

void forwarder::forward(forward_request outgoing, std::function<void(forward_result)> done) {
    auto a = std::make_shared<attempt>();
    a->outgoing = std::move(outgoing);
    a->done = std::move(done);
    if (breaker_) {
        a->admission = breaker_->admit();
        if (a->admission.kind == circuit_breaker::admission_kind::refused) {
            auto refused = failure(forward_failure::circuit_open,
                                   "the " + config_.name +
                                       " API is failing; the gateway stopped calling it for now");
            refused.retry_after = a->admission.retry_after;
            return a->done(std::move(refused));
        }
    }
    send(a);
}

// What the circuit counts as a failure of the upstream (CONTRACT.md section 15): no connection,
// no TLS, no answer in time, or a 5xx. Anything else shows the upstream alive.
void forwarder::record(const attempt& a, const upstream_result& result) const {
    if (!breaker_) {
        return;
    }
    bool failed = false;
    switch (result.error) {
    case upstream_errc::connect_failed:
    case upstream_errc::tls_failed:
    case upstream_errc::timeout:
        failed = true;
        break;
    case upstream_errc::ok:
        failed = result.response.result_int() >= 500;
        break;
    case upstream_errc::connection_reset:
    case upstream_errc::invalid_response:
        break;
    }
    breaker_->record(a.admission, failed ? circuit_breaker::outcome::failure
                                         : circuit_breaker::outcome::success);
}

void forwarder::send(const std::shared_ptr<attempt>& a) {
    if (!tokens_) {
        return exchange(a, nullptr);
    }
    tokens_->async_get([this, a](token_errc error, std::shared_ptr<const token_snapshot> token) {
        if (error != token_errc::ok || !token) {
            return a->done(failure(forward_failure::auth_failed,
                                   "could not obtain an access token for the " + config_.name +
                                       " API (" + std::string(to_string(error)) + ")"));
        }
        exchange(a, std::move(token));
    });
}

upstream_request forwarder::build(const forward_request& outgoing,
                                  const token_snapshot* token) const {
    // Built from scratch: nothing the client sent (Authorization, Cookie, X-Api-Key, Host,
    // hop-by-hop headers) can reach the upstream.
    upstream_request req{outgoing.method, outgoing.target};
    // The fixed lines take ~130 bytes besides the key and version; the others their values and
    // ~40 bytes of names.
    req.reserve(256 + config_.api_key.size() + config_.api_version.size() +
                outgoing.request_id.size() + (token != nullptr ? token->access_token.size() : 0));
    req.add_lines_of(fixed_lines_);
    // CONTRACT section 4 names application/json; a write's body keeps its own JSON media type.
    req.set(http::field::content_type,
            outgoing.content_type.empty() ? "application/json" : outgoing.content_type);
    req.set("X-Request-Id", outgoing.request_id);
    if (!outgoing.traceparent.empty()) {
        req.set("traceparent", outgoing.traceparent);
    }
    if (!outgoing.tracestate.empty()) {
        req.set("tracestate", outgoing.tracestate);
    }
    // The route's forward_headers: the route table refuses the names the gateway sets itself
    // (section 10) but cannot know an upstream's own key header, which the client must not
    // supply a second copy of; set() refuses CR, LF and NUL in a value.
    for (const auto& [name, value] : outgoing.headers) {
        if (!iequals_ascii(name, config_.api_key_header)) {
            req.set(name, value);
        }
    }
    if (token != nullptr) {
        req.set(http::field::authorization, "Bearer " + token->access_token);
    }
    if (sends_body(outgoing.method)) {
        req.body() = outgoing.body;
    }
    req.timeout(outgoing.timeout);
    return req;
}

void forwarder::exchange(const std::shared_ptr<attempt>& a,
                         std::shared_ptr<const token_snapshot> token) {
    a->sent_at = std::chrono::steady_clock::now();
    if (!a->renewed_after_401) {
        a->first_sent_at = a->sent_at;
    }
    client_->async_exchange(build(a->outgoing, token.get()),
                            [this, a, token](upstream_result result) mutable {
                                on_answer(a, std::move(token), std::move(result));
                            });
}

void forwarder::on_answer(const std::shared_ptr<attempt>& a,
                          std::shared_ptr<const token_snapshot> token, upstream_result result) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - a->sent_at).count();
    metrics_.observe_upstream(config_.name, to_string(result.error), seconds);
    if (result.retried) {
        metrics_.upstream_retry(config_.name);
    }
    const bool renews = result.error == upstream_errc::ok &&
                        result.response.result() == http::status::unauthorized && tokens_ &&
                        !a->renewed_after_401;
    if (!renews) {
        record(*a, result);
    }
    const auto upstream_ms = std::chrono::duration<double, std::milli>(
                                 std::chrono::steady_clock::now() - a->first_sent_at)
                                 .count();
    if (result.error != upstream_errc::ok) {
        spdlog::warn("upstream {} {}: {}", config_.name, a->outgoing.target,
                     to_string(result.error));
        auto failed = failure(failure_of(result.error),
                              "the " + config_.name + " API could not be reached (" +
                                  std::string(to_string(result.error)) + ")");
        failed.upstream_ms = upstream_ms;
        return a->done(std::move(failed));
    }
    auto& res = result.response;
    if (res.result() == http::status::unauthorized) {
        if (tokens_ && !a->renewed_after_401) {
            // The token may have been revoked early: renew it once and try once more.
            spdlog::info("upstream {} answered 401: renewing the token and retrying once",
                         config_.name);
            a->renewed_after_401 = true;
            tokens_->invalidate(token);
            return send(a);
        }
        auto failed = failure(forward_failure::auth_failed,
                              "the " + config_.name + " API rejected the gateway's credentials");
        failed.upstream_ms = upstream_ms;
        return a->done(std::move(failed));
    }
    if (!res.body().empty() && !is_valid_json(res.body())) {
        auto failed = failure(forward_failure::invalid_response,
                              "the " + config_.name + " API answered something that is not JSON");
        failed.upstream_ms = upstream_ms;
        return a->done(std::move(failed));
    }
    forward_result out;
    out.upstream_ms = upstream_ms;
    auto& answer = out.answer;
    answer.status = res.result_int();
    // One walk over the few fields the answer_parser kept, where a lookup by name per field
    // (basic_fields::operator[]) cost ~230 instructions each. The first of a repeated field
    // counts, as operator[] would give it; every Cache-Control counts.
    bool content_type_seen = false;
    bool location_seen = false;
    bool content_location_seen = false;
    for (const auto& field : res) {
        const auto value = field.value();
        switch (field.name()) {
        case http::field::content_type:
            if (!std::exchange(content_type_seen, true)) {
                answer.content_type = value;
            }
            break;
        case http::field::cache_control:
            if (!answer.cache_control.empty()) {
                answer.cache_control += ", ";
            }
            answer.cache_control += value;
            break;
        case http::field::location:
            if (!std::exchange(location_seen, true)) {
                answer.location = value;
            }
            break;
        case http::field::content_location:
            if (!std::exchange(content_location_seen, true)) {
                answer.content_location = value;
            }
            break;
        default:
            break;
        }
    }
    if (answer.content_type.empty()) {
        answer.content_type = "application/json";
    }
    answer.body = make_body(std::move(res.body()));
    a->done(std::move(out));
}

} // namespace kore_gateway
