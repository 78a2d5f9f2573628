// A fake Redis on an Asio acceptor, for what a real redis-server will not do on cue: stall, reset
// in the middle of a reply, send garbage or replies nobody asked for. It runs on the io_context it
// is given (the test's, or a thread of its own) and counts the commands it reads.
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kore_gateway/net.hpp"
#include "kore_gateway/redis/resp.hpp"

namespace kore_gateway::testing {

// How the fake answers one command: these bytes (none: it stalls), then maybe a reset.
struct fake_answer {
    std::string bytes;
    bool reset_after = false;
};
using responder = std::function<fake_answer(const std::vector<std::string>& command)>;

// A fake Redis on a loopback port of the test's io_context. Its handlers hold its state, not
// the object, so that it may go before the io_context does.
class fake_redis {
public:
    fake_redis(net::io_context& io, responder respond)
        : state_(std::make_shared<state>(io, std::move(respond))) {
        do_accept(state_);
    }
    ~fake_redis() {
        error_code ignored;
        state_->acceptor.close(ignored);
        for (auto& weak : state_->sessions) {
            if (auto s = weak.lock()) {
                s->socket.close(ignored);
            }
        }
    }

    std::string url() const {
        return "redis://127.0.0.1:" + std::to_string(state_->acceptor.local_endpoint().port());
    }
    int accepted() const { return state_->accepted; }
    // How many commands of that name (upper case, as sent) it has read.
    int commands(const std::string& name) const {
        std::lock_guard lock(state_->mutex);
        const auto it = state_->counts.find(name);
        return it == state_->counts.end() ? 0 : it->second;
    }

private:
    struct session {
        explicit session(tcp::socket s) : socket(std::move(s)) {}
        tcp::socket socket;
        resp_reader reader;
        std::array<char, 4096> buffer{};
    };
    struct state {
        state(net::io_context& io, responder r)
            : acceptor(io, tcp::endpoint(net::ip::address_v4::loopback(), 0)),
              respond(std::move(r)) {}
        tcp::acceptor acceptor;
        responder respond;
        std::atomic<int> accepted = 0;
        mutable std::mutex mutex;
        std::map<std::string, int> counts;
        std::vector<std::weak_ptr<session>> sessions;
    };

    static void do_accept(const std::shared_ptr<state>& st) {
        st->acceptor.async_accept([st](error_code ec, tcp::socket socket) {
            if (ec) {
                return;
            }
            ++st->accepted;
            auto s = std::make_shared<session>(std::move(socket));
            st->sessions.push_back(s);
            do_read(st, s);
            do_accept(st);
        });
    }

    static void do_read(const std::shared_ptr<state>& st, const std::shared_ptr<session>& s) {
        s->socket.async_read_some(net::buffer(s->buffer), [st, s](error_code ec, std::size_t n) {
            if (ec) {
                return;
            }
            s->reader.feed(std::string_view(s->buffer.data(), n));
            while (auto command = s->reader.next()) {
                std::vector<std::string> args;
                for (const auto& arg : *command->elements()) {
                    args.push_back(*arg.text());
                }
                {
                    std::lock_guard lock(st->mutex);
                    ++st->counts[args.empty() ? std::string() : args[0]];
                }
                const auto answer = st->respond(args);
                error_code write_ec;
                net::write(s->socket, net::buffer(answer.bytes), write_ec);
                if (answer.reset_after) {
                    s->socket.set_option(net::socket_base::linger(true, 0), write_ec);
                    s->socket.close(write_ec);
                    return;
                }
            }
            do_read(st, s);
        });
    }

    std::shared_ptr<state> state_;
};

// What a real Redis answers to the commands a connection sends on its own: a confirmation for
// each channel of a SUBSCRIBE, +OK for AUTH, SELECT and CLIENT SETNAME.
fake_answer setup_answer(const std::vector<std::string>& command);

} // namespace kore_gateway::testing
