// Why a Redis command got no reply, as error codes of their own category. An error reply from
// Redis ("-ERR ...") is not one of these: it arrives as a resp_value holding a resp_error.
#pragma once

#include <type_traits>

#include <boost/system/error_code.hpp>

namespace kore_gateway {

enum class redis_errc {
    not_connected = 1, // no usable connection right now (connecting, or waiting to reconnect)
    timeout,           // no reply before the command's deadline; the connection was dropped
    connection_lost,   // the connection broke (or was dropped) before the reply came
    protocol_error,    // the server sent something that is not the RESP reply expected
    auth_failed,       // the server refused AUTH, or wants one and no password is configured
    setup_failed,      // SELECT or CLIENT SETNAME was refused
    closed,            // close() was called
};

const boost::system::error_category& redis_category();
boost::system::error_code make_error_code(redis_errc e);

} // namespace kore_gateway

template <> struct boost::system::is_error_code_enum<kore_gateway::redis_errc> : std::true_type {};
