#include "support/fake_redis.hpp"

namespace kore_gateway::testing {

fake_answer setup_answer(const std::vector<std::string>& command) {
    if (command.empty() || command[0] != "SUBSCRIBE") {
        return {"+OK\r\n"};
    }
    std::string confirmations;
    for (std::size_t i = 1; i < command.size(); ++i) {
        confirmations += "*3\r\n$9\r\nsubscribe\r\n$" + std::to_string(command[i].size()) + "\r\n" +
                         command[i] + "\r\n:" + std::to_string(i) + "\r\n";
    }
    return {confirmations};
}

} // namespace kore_gateway::testing
