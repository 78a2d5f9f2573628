#include "kore_gateway/upstream/forwarder.hpp"

#include <chrono>

#include <spdlog/spdlog.h>

#include "kore_gateway/http/json_validity.hpp"

namespace kore_gateway {

struct forwarder::attempt {
    forward_request outgoing;
    std::function<void(forward_result)> done;
    bool renewed_after_401 = false;
    std::chrono::steady_clock::time_point sent_at;
};

namespace {

forward_result failure(const error_kind& kind, std::string message) {
    forward_result result;
    result.error = &kind;
    result.message = std::move(message);
    return result;
}

const error_kind& error_for(upstream_errc e) {
    switch (e) {
    case upstream_errc::timeout:
        return errors::upstream_timeout;
    case upstream_errc::invalid_response:
        return errors::upstream_invalid_response;
    default:
        return errors::upstream_unavailable;
    }
}

} // namespace

forwarder::forwarder(upstream_config config, std::shared_ptr<upstream_client> client,
                     std::shared_ptr<token_source> tokens, gateway_metrics& metrics)
    : config_(std::move(config)), client_(std::move(client)), tokens_(std::move(tokens)),
      metrics_(metrics) {
    fixed_lines_.set(http::field::content_type, "application/json");
    fixed_lines_.set(http::field::accept, "application/json");
    fixed_lines_.set(http::field::user_agent, "kore-gateway/" KORE_GATEWAY_VERSION);
    if (!config_.api_key.empty()) {
        fixed_lines_.set("X-Api-Key", config_.api_key);
    }
    if (!config_.api_version.empty()) {
        fixed_lines_.set("X-Api-Version", config_.api_version);
    }
}

void forwarder::forward(forward_request outgoing, std::function<void(forward_result)> done) {
    auto a = std::make_shared<attempt>();
    a->outgoing = std::move(outgoing);
    a->done = std::move(done);
    send(a);
}

void forwarder::send(const std::shared_ptr<attempt>& a) {
    if (!tokens_) {
        return exchange(a, nullptr);
    }
    tokens_->async_get([this, a](token_errc error, std::shared_ptr<const token_snapshot> token) {
        if (error != token_errc::ok || !token) {
            return a->done(failure(errors::upstream_auth_failed,
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
    req.set("X-Request-Id", outgoing.request_id);
    if (token != nullptr) {
        req.set(http::field::authorization, "Bearer " + token->access_token);
    }
    if (outgoing.method == http::verb::post) {
        req.body() = outgoing.body;
    }
    return req;
}

void forwarder::exchange(const std::shared_ptr<attempt>& a,
                         std::shared_ptr<const token_snapshot> token) {
    a->sent_at = std::chrono::steady_clock::now();
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
    if (result.error != upstream_errc::ok) {
        spdlog::warn("upstream {} {}: {}", config_.name, a->outgoing.target,
                     to_string(result.error));
        return a->done(
            failure(error_for(result.error), "the " + config_.name + " API could not be reached (" +
                                                 std::string(to_string(result.error)) + ")"));
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
        return a->done(failure(errors::upstream_auth_failed,
                               "the " + config_.name + " API rejected the gateway's credentials"));
    }
    forward_result out;
    out.status = res.result_int();
    out.content_type = std::string(res[http::field::content_type]);
    for (auto [it, end] = res.equal_range(http::field::cache_control); it != end; ++it) {
        out.cache_control += (out.cache_control.empty() ? "" : ", ") + std::string(it->value());
    }
    out.body = std::move(res.body());
    if (!out.body.empty() && !is_valid_json(out.body)) {
        return a->done(failure(errors::upstream_invalid_response,
                               "the " + config_.name + " API answered something that is not JSON"));
    }
    if (out.content_type.empty()) {
        out.content_type = "application/json";
    }
    a->done(std::move(out));
}

} // namespace kore_gateway
