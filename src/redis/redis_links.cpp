#include "kore_gateway/redis/redis_links.hpp"

#include <spdlog/spdlog.h>

#include "kore_gateway/util/timer.hpp"

namespace kore_gateway {

redis_links::redis_links(const std::vector<executor_type>& threads, redis_settings settings,
                         std::shared_ptr<ssl::context> tls, const clock& clk, message_fn on_message,
                         std::function<void()> on_resubscribed)
    : clock_(clk), settings_(std::move(settings)), tls_(std::move(tls)), channel_(key("events")),
      breaker_(std::make_shared<circuit_breaker>(failures_to_open, open_for, clk)),
      subscriber_{threads.front(), nullptr} {
    for (std::size_t i = 0; i < threads.size(); ++i) {
        auto opts = options_for("kore-gateway");
        shards_.push_back(
            {threads[i], redis_connection::create(threads[i], std::move(opts), tls_)});
    }
    auto opts = options_for("kore-gateway-subscriber");
    opts.channels = {channel_};
    opts.on_message = [on_message = std::move(on_message)](
                          const std::string&, const std::string& payload) { on_message(payload); };
    auto counted = std::move(opts.on_state_change);
    opts.on_state_change = [counted = std::move(counted),
                            on_resubscribed = std::move(on_resubscribed)](bool up) {
        // Emptied before the gauge says up, so that whoever sees it up sees the cache emptied.
        if (up) {
            on_resubscribed();
        }
        counted(up);
    };
    subscriber_.connection = redis_connection::create(threads.front(), std::move(opts), tls_);
}

redis_links::~redis_links() {
    stop();
}

redis_connection_options redis_links::options_for(std::string client_name) const {
    redis_connection_options opts;
    opts.url = settings_.url;
    opts.password = settings_.password;
    opts.client_name = std::move(client_name);
    opts.command_timeout = settings_.timeout;
    opts.on_state_change = [up = up_, name = settings_.url.to_string()](bool is_up) {
        if (is_up) {
            up->fetch_add(1);
        } else {
            up->fetch_sub(1);
            spdlog::warn("redis {}: connection lost; serving without the shared tier until it "
                         "is back",
                         name);
        }
    };
    return opts;
}

void redis_links::start() {
    for (auto& s : shards_) {
        net::post(s.executor, [c = s.connection] { c->start(); });
    }
    net::post(subscriber_.executor, [c = subscriber_.connection] { c->start(); });
}

void redis_links::when_ready(std::chrono::milliseconds bound, std::function<void()> ready) {
    net::post(shards_.front().executor,
              [this, give_up = clock_.now() + bound, ready = std::move(ready)] {
                  const auto is_ready = [this, give_up] {
                      return shards_.front().connection->is_up() || clock_.now() >= give_up;
                  };
                  if (is_ready()) {
                      return ready();
                  }
                  repeat_every(shards_.front().executor, clock_, std::chrono::milliseconds(10),
                               [is_ready, ready](error_code ec, std::function<void()> again) {
                                   if (ec) {
                                       return;
                                   }
                                   if (is_ready()) {
                                       return ready();
                                   }
                                   again();
                               });
              });
}

void redis_links::stop() {
    for (auto& s : shards_) {
        net::post(s.executor, [c = s.connection] { c->close(); });
    }
    net::post(subscriber_.executor, [c = subscriber_.connection] { c->close(); });
}

void redis_links::exec(std::span<const std::string_view> args,
                       redis_connection::reply_handler handler) {
    if (const auto* here = shard_here()) {
        const auto admitted = breaker_->admit();
        if (admitted.kind != circuit_breaker::admission_kind::refused) {
            return here->connection->async_exec(
                // The breaker, not `this`: a command failed by close() may answer after the
                // links are gone.
                args, [breaker = breaker_, admitted,
                       handler = std::move(handler)](error_code ec, resp_value reply) {
                    breaker->record(admitted, ec ? circuit_breaker::outcome::failure
                                                 : circuit_breaker::outcome::success);
                    handler(ec, std::move(reply));
                });
        }
    }
    // Refused, or not on an I/O thread: answered on a thread of our own executors, never inline.
    net::post(shards_.front().executor, [handler = std::move(handler)] {
        handler(make_error_code(redis_errc::not_connected), {});
    });
}

const redis_links::shard* redis_links::shard_here() const {
    for (const auto& s : shards_) {
        if (s.executor.running_in_this_thread()) {
            return &s;
        }
    }
    return nullptr;
}

std::optional<redis_links::executor_type> redis_links::executor_here() const {
    const auto* here = shard_here();
    return here ? std::optional(here->executor) : std::nullopt;
}

bool redis_links::is_up() const {
    return up_->load() == shards_.size() + 1;
}

} // namespace kore_gateway
