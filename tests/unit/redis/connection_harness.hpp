// The harness of the redis_connection tests: one io_context run by the test thread, connections
// that report their up/down changes, and commands run to their reply.
#pragma once

#include <chrono>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string_view>
#include <vector>

#include "kore_gateway/redis/redis_connection.hpp"
#include "kore_gateway/redis/redis_url.hpp"

namespace kore_gateway::testing {

struct exec_result {
    bool done = false;
    error_code ec;
    resp_value reply;
};

class connection_harness {
public:
    ~connection_harness() {
        for (auto& c : opened_) {
            c->close();
        }
        io.restart();
        io.poll();
    }

    // Options for url with a deadline generous enough for a loaded test machine.
    static redis_connection_options options(const std::string& url) {
        redis_connection_options opts;
        opts.url = *parse_redis_url(url).url;
        opts.command_timeout = std::chrono::seconds(2);
        opts.reconnect = {std::chrono::milliseconds(20), std::chrono::milliseconds(200)};
        return opts;
    }

    // A started connection; with report_states its state changes are appended to states.
    std::shared_ptr<redis_connection> open(redis_connection_options opts,
                                           std::shared_ptr<ssl::context> tls = nullptr,
                                           bool report_states = true) {
        if (report_states) {
            opts.on_state_change = [this](bool up) { states.push_back(up); };
        }
        auto c = redis_connection::create(io.get_executor(), std::move(opts), std::move(tls));
        c->start();
        opened_.push_back(c);
        return c;
    }

    // Runs the io_context until condition holds; false if it still does not after bound.
    bool run_until(const std::function<bool()>& condition,
                   std::chrono::milliseconds bound = std::chrono::seconds(5)) {
        const auto deadline = std::chrono::steady_clock::now() + bound;
        while (!condition()) {
            if (std::chrono::steady_clock::now() >= deadline) {
                return false;
            }
            io.restart();
            io.run_for(std::chrono::milliseconds(5));
        }
        return true;
    }

    std::shared_ptr<exec_result> start_exec(redis_connection& c,
                                            std::initializer_list<std::string_view> args) {
        auto result = std::make_shared<exec_result>();
        c.async_exec(args, [result](error_code ec, resp_value reply) {
            result->done = true;
            result->ec = ec;
            result->reply = std::move(reply);
        });
        return result;
    }

    exec_result exec(redis_connection& c, std::initializer_list<std::string_view> args) {
        auto result = start_exec(c, args);
        run_until([&] { return result->done; });
        return *result;
    }

    net::io_context io;
    std::vector<bool> states;

private:
    std::vector<std::shared_ptr<redis_connection>> opened_;
};

inline resp_value bulk(std::string data) {
    return resp_value{resp_bulk_string{std::move(data)}};
}
inline resp_value ok() {
    return resp_value{resp_simple_string{"OK"}};
}

} // namespace kore_gateway::testing
