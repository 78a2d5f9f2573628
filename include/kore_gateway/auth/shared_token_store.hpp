// The token of one credential set as replicas share it through Redis (CONTRACT.md section 13):
// sealed (AES-256-GCM, see sealed_token.hpp) under a key only holders of the client secret can
// derive, fetched by the one replica holding a lock, read by the others.
//
// Every failure (Redis down, slow, a value it cannot open) reads as "no shared token": the
// caller then fetches its own, as without Redis.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "kore_gateway/auth/sealed_token.hpp"
#include "kore_gateway/auth/token_source.hpp"
#include "kore_gateway/config/config.hpp"
#include "kore_gateway/redis/redis_links.hpp"

namespace kore_gateway {

class shared_token_store {
public:
    struct found {
        std::shared_ptr<const token_snapshot> token; // a token not yet due for renewal
        std::string sealed;                          // its value in Redis, for drop_if
        bool locked = false;                         // no such token; the caller holds the lock
        bool busy = false;                           // no such token; another replica fetches
    };
    using found_fn = std::function<void(found)>;

    // links must outlive the store; replies run on the calling I/O thread.
    shared_token_store(redis_links& links, const client_credentials& credentials, const clock& clk);

    // The shared token if it is not yet due for renewal (before 80 % of its lifetime); else takes
    // the fetch lock for lock_for. Called on an I/O thread.
    void read_or_lock(std::chrono::milliseconds lock_for, found_fn done);
    // Another replica holds the lock: looks again every 25 ms until its token is there (found
    // with a token), the lock is gone, or bound has passed (found without one: fetch yourself).
    void wait_for_token(std::chrono::milliseconds bound, found_fn done);
    // Shares token (sealed), for its remaining lifetime, and releases the lock if locked.
    // Returns the sealed value, for drop_if.
    std::string store(const token_snapshot& token, bool locked);
    // Releases the fetch lock if this replica holds it (the fetch failed).
    void release();
    // An upstream refused the token whose sealed value is sealed: deletes it unless another
    // replica has already replaced it.
    void drop_if(const std::string& sealed);

private:
    void read(std::chrono::milliseconds lock_for, bool over_token,
              std::function<void(found, bool had_value)> then);
    // The token a reply element holds, if it opens and is not due for renewal.
    found open(const resp_value& value) const;

    redis_links& links_;
    const clock& clock_;
    const token_key key_;
    const std::string token_key_name_; // the Redis keys, named by a digest of the identity
    const std::string lock_key_name_;
    const std::string owner_; // this process's lock value
};

// The credential set's identity: everything but the secret that decides which token the IdP
// issues, as a JSON array so that no two sets share a spelling.
std::string credential_identity(const client_credentials& credentials);

} // namespace kore_gateway
