#include "kore_gateway/redis/redis_error.hpp"

#include <string>

namespace kore_gateway {

namespace {

class redis_error_category final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "redis"; }

    std::string message(int value) const override {
        switch (static_cast<redis_errc>(value)) {
        case redis_errc::not_connected:
            return "not connected to Redis";
        case redis_errc::timeout:
            return "Redis did not answer before the command's deadline";
        case redis_errc::connection_lost:
            return "the Redis connection was lost before the reply";
        case redis_errc::protocol_error:
            return "Redis sent an unexpected or unreadable reply";
        case redis_errc::auth_failed:
            return "Redis refused the authentication";
        case redis_errc::setup_failed:
            return "Redis refused SELECT or CLIENT SETNAME";
        case redis_errc::closed:
            return "the Redis connection is closed";
        }
        return "unknown Redis error";
    }
};

} // namespace

const boost::system::error_category& redis_category() {
    static const redis_error_category category;
    return category;
}

boost::system::error_code make_error_code(redis_errc e) {
    return {static_cast<int>(e), redis_category()};
}

} // namespace kore_gateway
