#include "kore_gateway/cache/shared_cache.hpp"

#include <spdlog/spdlog.h>

#include "kore_gateway/cache/l2_value.hpp"
#include "kore_gateway/util/ids.hpp"
#include "kore_gateway/util/timer.hpp"

namespace kore_gateway {
namespace {

// Every script takes the key prefix as ARGV[1]. An entry's Redis key is
// prefix "e:" stamp ":" route ":" cache key, its fill lock's prefix "lock:" and the same tail,
// where stamp is "<global generation>:<route generation>"; prefix "idx:" stamp ":" route is the
// set of the cache keys stored under that stamp, which purges count and delete.
constexpr std::string_view stamp_lua =
    "local function stamp(p, route) return (redis.call('GET', p .. 'gen') or '0') .. ':' .. "
    "(redis.call('HGET', p .. 'rgen', route) or '0') end\n";

// ARGV: prefix, route, key, lock ms ("0": no lock), owner, "1" to lock even over a value.
// Returns {value or nil, stamp, 0 no lock asked | 1 locked | 2 held by another}.
constexpr std::string_view read_lua =
    "local p, route, key = ARGV[1], ARGV[2], ARGV[3]\n"
    "local s = stamp(p, route)\n"
    "local tail = s .. ':' .. route .. ':' .. key\n"
    "local value = redis.call('GET', p .. 'e:' .. tail)\n"
    "local lock = 0\n"
    "if ARGV[4] ~= '0' and (not value or ARGV[6] == '1') then\n"
    "  if redis.call('SET', p .. 'lock:' .. tail, ARGV[5], 'NX', 'PX', ARGV[4]) then lock = 1\n"
    "  else lock = 2 end\n"
    "end\n"
    "return {value, s, lock}\n";

// ARGV: prefix, route, key, stamp. Returns {value or nil, 1 if the lock is still held}.
constexpr std::string_view wait_lua =
    "local tail = ARGV[4] .. ':' .. ARGV[2] .. ':' .. ARGV[3]\n"
    "local value = redis.call('GET', ARGV[1] .. 'e:' .. tail)\n"
    "if value then return {value, 1} end\n"
    "return {false, redis.call('EXISTS', ARGV[1] .. 'lock:' .. tail)}\n";

// ARGV: prefix, route, key, stamp, owner, then value and PX when storing. The lock is deleted
// only if this owner still holds it (it may have expired and been taken by another replica).
// Returns 1 when stored.
constexpr std::string_view store_lua =
    "local p, route, key, s = ARGV[1], ARGV[2], ARGV[3], ARGV[4]\n"
    "local tail = s .. ':' .. route .. ':' .. key\n"
    "if redis.call('GET', p .. 'lock:' .. tail) == ARGV[5] then\n"
    "  redis.call('DEL', p .. 'lock:' .. tail) end\n"
    "if not ARGV[6] or stamp(p, route) ~= s then return 0 end\n"
    "redis.call('SET', p .. 'e:' .. tail, ARGV[6], 'PX', ARGV[7])\n"
    "local index = p .. 'idx:' .. s .. ':' .. route\n"
    "redis.call('SADD', index, key)\n"
    "if redis.call('PTTL', index) < tonumber(ARGV[7]) then\n"
    "  redis.call('PEXPIRE', index, ARGV[7]) end\n"
    "redis.call('SADD', p .. 'routes', route)\n"
    "return 1\n";

// ARGV: prefix, notice, then the routes to drop; none: every route, and the global generation
// moves. Deletes the entries of the current generations (counted), moves the generations so
// that fills under way store nothing, and publishes notice. Returns the count.
constexpr std::string_view drop_lua =
    "local p, notice = ARGV[1], ARGV[2]\n"
    "local all = #ARGV == 2\n"
    "local routes = all and redis.call('SMEMBERS', p .. 'routes') or {unpack(ARGV, 3)}\n"
    "local dropped = 0\n"
    "for _, route in ipairs(routes) do\n"
    "  local s = stamp(p, route)\n"
    "  local index = p .. 'idx:' .. s .. ':' .. route\n"
    "  for _, key in ipairs(redis.call('SMEMBERS', index)) do\n"
    "    dropped = dropped + redis.call('UNLINK', p .. 'e:' .. s .. ':' .. route .. ':' .. key)\n"
    "  end\n"
    "  redis.call('UNLINK', index)\n"
    "  if not all then redis.call('HINCRBY', p .. 'rgen', route, 1) end\n"
    "end\n"
    "if all then redis.call('INCR', p .. 'gen') end\n"
    "redis.call('PUBLISH', p .. 'events', notice)\n"
    "return dropped\n";

// The scripts as EVAL sends them (Redis caches each by its digest after the first).
const std::string read_script = std::string(stamp_lua) + std::string(read_lua);
const std::string wait_script = std::string(wait_lua);
const std::string store_script = std::string(stamp_lua) + std::string(store_lua);
const std::string drop_script = std::string(stamp_lua) + std::string(drop_lua);

// How long a waiter sleeps between two looks at Redis.
constexpr std::chrono::milliseconds poll_interval{10};

} // namespace

shared_cache::shared_cache(redis_links& links, std::size_t max_body_bytes, const clock& clk,
                           gateway_metrics& metrics)
    : links_(links), max_body_bytes_(max_body_bytes), clock_(clk), metrics_(metrics),
      prefix_(links.key("")), lock_owner_(random_id()) {}

void shared_cache::eval(const std::string& body, std::initializer_list<std::string_view> args,
                        redis_connection::reply_handler handler) {
    std::vector<std::string_view> command{"EVAL", body, "0", prefix_};
    command.insert(command.end(), args.begin(), args.end());
    links_.exec(command, std::move(handler));
}

std::optional<cached_response> shared_cache::decode(const resp_value& value) {
    const auto* text = value.is_nil() ? nullptr : value.text();
    if (text == nullptr) {
        return std::nullopt;
    }
    auto entry = decode_l2_value(*text, max_body_bytes_, clock_reading::now(clock_));
    if (!entry) {
        metrics_.l2_error();
        spdlog::warn("redis: a shared cache value could not be read; treated as a miss");
    }
    return entry;
}

void shared_cache::read(const std::string& key, const std::string& route,
                        std::chrono::milliseconds lock_for, read_done done) {
    read_with(key, route, lock_for, false, std::move(done));
}

void shared_cache::read_with(const std::string& key, const std::string& route,
                             std::chrono::milliseconds lock_for, bool over_value, read_done done) {
    const auto lock_ms = std::to_string(lock_for.count());
    eval(read_script, {route, key, lock_ms, lock_owner_, over_value ? "1" : "0"},
         [this, key, route, lock_for, over_value, done = std::move(done)](error_code ec,
                                                                          resp_value reply) {
             const auto* parts = reply.elements();
             if (ec || parts == nullptr || parts->size() != 3 || (*parts)[1].text() == nullptr ||
                 (*parts)[2].integer() == nullptr) {
                 metrics_.l2_error();
                 return done({});
             }
             read_result result;
             result.entry = decode((*parts)[0]);
             result.stamp = *(*parts)[1].text();
             result.locked = *(*parts)[2].integer() == 1;
             result.lock_busy = *(*parts)[2].integer() == 2;
             const bool fresh = result.entry && result.entry->expires_at > clock_.now();
             if (over_value) {
                 return done(std::move(result)); // the second look: counted by the first
             }
             if (fresh) {
                 metrics_.l2_hit();
                 return done(std::move(result));
             }
             metrics_.l2_miss();
             if (result.entry && lock_for.count() > 0) {
                 // Only a stale entry: the key needs a fill as much as a missing one does.
                 auto stale = std::move(result.entry);
                 return read_with(key, route, lock_for, true,
                                  [stale = std::move(stale), done](read_result again) mutable {
                                      if (!again.entry) {
                                          again.entry = std::move(stale);
                                      }
                                      done(std::move(again));
                                  });
             }
             done(std::move(result));
         });
}

void shared_cache::wait_for_fill(const std::string& key, const std::string& route,
                                 const std::string& stamp, std::chrono::milliseconds bound,
                                 entry_done done) {
    const auto executor = links_.executor_here();
    if (!executor) {
        return done(std::nullopt);
    }
    metrics_.redis_lock_wait();
    const auto give_up = clock_.now() + bound;
    repeat_every(*executor, clock_, poll_interval,
                 [this, key, route, stamp, give_up,
                  done = std::move(done)](error_code ec, std::function<void()> again) {
                     if (ec) {
                         return done(std::nullopt);
                     }
                     eval(wait_script, {route, key, stamp},
                          [this, give_up, done, again = std::move(again)](error_code exec_ec,
                                                                          resp_value reply) {
                              const auto* parts = reply.elements();
                              if (exec_ec || parts == nullptr || parts->size() != 2) {
                                  metrics_.l2_error();
                                  return done(std::nullopt);
                              }
                              if (auto entry = decode((*parts)[0]);
                                  entry && entry->expires_at > clock_.now()) {
                                  metrics_.l2_hit();
                                  return done(std::move(entry));
                              }
                              const auto* held = (*parts)[1].integer();
                              // The holder gave up, died or is too slow.
                              if (held == nullptr || *held == 0 || clock_.now() >= give_up) {
                                  return done(std::nullopt);
                              }
                              again();
                          });
                 });
}

void shared_cache::store(const std::string& key, const cached_response& entry,
                         const std::string& stamp, bool locked) {
    const auto now = clock_reading::now(clock_);
    const auto value = encode_l2_value(entry, now);
    const auto px = std::to_string(l2_expiry(entry, now.steady).count());
    eval(store_script,
         {entry.tags.route, key, stamp, locked ? std::string_view(lock_owner_) : "", value, px},
         [this](error_code ec, const resp_value& reply) {
             if (ec || reply.is_error()) {
                 metrics_.l2_error();
             }
         });
}

void shared_cache::release(const std::string& key, const std::string& route,
                           const std::string& stamp) {
    eval(store_script, {route, key, stamp, lock_owner_}, [](error_code, const resp_value&) {});
}

std::optional<std::string_view> shared_cache::notice_from_others(std::string_view message) const {
    const auto end = message.find('\n');
    if (end == std::string_view::npos || message.substr(0, end) == lock_owner_) {
        return std::nullopt;
    }
    return message.substr(end + 1);
}

void shared_cache::drop(std::span<const std::string> routes, const std::string& notice,
                        count_done done) {
    // Sent as "<sender>\n<notice>", so that this replica can tell its own.
    const auto message = lock_owner_ + '\n' + notice;
    std::vector<std::string_view> command{"EVAL", drop_script, "0", prefix_, message};
    command.insert(command.end(), routes.begin(), routes.end());
    links_.exec(command, [this, done = std::move(done)](error_code ec, const resp_value& reply) {
        const auto* count = reply.integer();
        if (ec || count == nullptr) {
            metrics_.l2_error();
            return done(std::nullopt);
        }
        done(static_cast<std::size_t>(*count));
    });
}

} // namespace kore_gateway
