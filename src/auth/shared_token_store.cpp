#include "kore_gateway/auth/shared_token_store.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "kore_gateway/util/ids.hpp"
#include "kore_gateway/util/sha256.hpp"
#include "kore_gateway/util/timer.hpp"

namespace kore_gateway {
namespace {

// ARGV: token key, lock key, owner, lock ms, "1" to lock even over a token (one due for
// renewal). Returns {sealed token or nil, 0 no lock asked | 1 locked | 2 held by another}.
constexpr std::string_view read_script =
    "local value = redis.call('GET', ARGV[1])\n"
    "local lock = 0\n"
    "if not value or ARGV[5] == '1' then\n"
    "  if redis.call('SET', ARGV[2], ARGV[3], 'NX', 'PX', ARGV[4]) then lock = 1\n"
    "  else lock = 2 end\n"
    "end\n"
    "return {value, lock}\n";

// ARGV: token key, lock key. Returns {sealed token or nil, 1 if the lock is still held}.
constexpr std::string_view wait_script = "return {redis.call('GET', ARGV[1]), "
                                         "redis.call('EXISTS', ARGV[2])}\n";

// ARGV: token key, lock key, owner, then the sealed token and its PX when storing. The lock goes
// only if this owner still holds it.
constexpr std::string_view store_script =
    "if ARGV[4] then redis.call('SET', ARGV[1], ARGV[4], 'PX', ARGV[5]) end\n"
    "if redis.call('GET', ARGV[2]) == ARGV[3] then redis.call('DEL', ARGV[2]) end\n"
    "return 1\n";

// ARGV: token key, the sealed token refused. Deletes it only if it is still the shared one.
constexpr std::string_view drop_script =
    "if redis.call('GET', ARGV[1]) == ARGV[2] then return redis.call('DEL', ARGV[1]) end\n"
    "return 0\n";

constexpr std::chrono::milliseconds poll_interval{25};

// Due for renewal: past 80 % of its lifetime, where token_state renews its own.
bool is_due(const token_snapshot& token, clock::time_point now) {
    return now >= token.obtained_at + (token.expires_at - token.obtained_at) * 8 / 10;
}

void ignore_reply(error_code, const resp_value&) {}

} // namespace

std::string credential_identity(const client_credentials& credentials) {
    return nlohmann::json::array({credentials.token_url.origin() + credentials.token_url.path,
                                  credentials.client_id, credentials.scope, credentials.audience,
                                  credentials.resource, static_cast<int>(credentials.client_auth)})
        .dump();
}

shared_token_store::shared_token_store(redis_links& links, const client_credentials& credentials,
                                       const clock& clk)
    : links_(links), clock_(clk),
      key_(derive_token_key(credentials.client_secret, credential_identity(credentials))),
      token_key_name_(links.key("token:" + sha256_hex(credential_identity(credentials)))),
      lock_key_name_(links.key("token-lock:" + sha256_hex(credential_identity(credentials)))),
      owner_(random_id()) {}

shared_token_store::found shared_token_store::open(const resp_value& value) const {
    found result;
    const auto* sealed = value.is_nil() ? nullptr : value.text();
    if (sealed == nullptr) {
        return result;
    }
    const auto token = open_token(key_, *sealed);
    if (!token) {
        spdlog::warn("redis: the shared token could not be opened; fetching one");
        return result;
    }
    auto snapshot = to_token_snapshot(*token, clock_reading::now(clock_));
    if (!is_due(snapshot, clock_.now())) {
        result.token = std::make_shared<const token_snapshot>(std::move(snapshot));
        result.sealed = *sealed;
    }
    return result;
}

void shared_token_store::read(std::chrono::milliseconds lock_for, bool over_token,
                              std::function<void(found, bool had_value)> then) {
    links_.exec({"EVAL", read_script, "0", token_key_name_, lock_key_name_, owner_,
                 std::to_string(lock_for.count()), over_token ? "1" : "0"},
                [this, then = std::move(then)](error_code ec, const resp_value& reply) {
                    const auto* parts = reply.elements();
                    if (ec || parts == nullptr || parts->size() != 2 ||
                        (*parts)[1].integer() == nullptr) {
                        return then({}, false);
                    }
                    auto result = open((*parts)[0]);
                    result.locked = *(*parts)[1].integer() == 1;
                    result.busy = *(*parts)[1].integer() == 2;
                    then(std::move(result), !(*parts)[0].is_nil());
                });
}

void shared_token_store::read_or_lock(std::chrono::milliseconds lock_for, found_fn done) {
    read(lock_for, false, [this, lock_for, done = std::move(done)](found result, bool had_value) {
        if (result.token || !had_value) {
            return done(std::move(result));
        }
        // A token due for renewal (or unreadable): renew it, unless another replica is.
        read(lock_for, true, [done](found again, bool) {
            again.token.reset();
            done(std::move(again));
        });
    });
}

void shared_token_store::wait_for_token(std::chrono::milliseconds bound, found_fn done) {
    const auto executor = links_.executor_here();
    if (!executor) {
        return done({});
    }
    const auto give_up = clock_.now() + bound;
    repeat_every(
        *executor, clock_, poll_interval,
        [this, give_up, done = std::move(done)](error_code ec, std::function<void()> again) {
            if (ec) {
                return done({});
            }
            links_.exec({"EVAL", wait_script, "0", token_key_name_, lock_key_name_},
                        [this, give_up, done, again = std::move(again)](error_code exec_ec,
                                                                        const resp_value& reply) {
                            const auto* parts = reply.elements();
                            if (exec_ec || parts == nullptr || parts->size() != 2) {
                                return done({});
                            }
                            auto result = open((*parts)[0]);
                            const auto* held = (*parts)[1].integer();
                            if (result.token || held == nullptr || *held == 0 ||
                                clock_.now() >= give_up) {
                                return done(std::move(result));
                            }
                            again();
                        });
        });
}

std::string shared_token_store::store(const token_snapshot& token, bool locked) {
    const auto now = clock_reading::now(clock_);
    auto sealed = seal_token(key_, to_shared_token(token, now));
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(token.expires_at - now.steady);
    if (left.count() <= 0) {
        if (locked) {
            release();
        }
        return {};
    }
    links_.exec({"EVAL", store_script, "0", token_key_name_, lock_key_name_,
                 locked ? std::string_view(owner_) : std::string_view("-"), sealed,
                 std::to_string(left.count())},
                ignore_reply);
    return sealed;
}

void shared_token_store::release() {
    links_.exec({"EVAL", store_script, "0", token_key_name_, lock_key_name_, owner_}, ignore_reply);
}

void shared_token_store::drop_if(const std::string& sealed) {
    if (sealed.empty()) {
        return;
    }
    links_.exec({"EVAL", drop_script, "0", token_key_name_, sealed}, ignore_reply);
}

} // namespace kore_gateway
