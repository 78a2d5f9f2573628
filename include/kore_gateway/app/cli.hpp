// Command-line parsing for the kore-gateway executable, and the hashing behind --hash-key.
#pragma once

#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "kore_gateway/config/config_loader.hpp"

namespace kore_gateway {

struct cli_options {
    std::string config_path;   // --config, else GATEWAY_CONFIG, else config/gateway.json
    bool config_given = false; // --config or GATEWAY_CONFIG named the file
    bool check_config = false;
    bool demo = false;
    bool hash_key = false; // --hash-key: print the SHA-256 of the key read on stdin
    bool version = false;
    bool help = false;
};

struct cli_result {
    std::optional<cli_options> options;
    std::string error; // set when options is empty
};

cli_result parse_cli(const std::vector<std::string>& args, const env_lookup& env);

std::string usage_text();

// --hash-key: the lower-case hex SHA-256 of the key in input, without one trailing "\n" or
// "\r\n" (as `echo KEY |` adds); nullopt when the key is empty. What "clients" entries hold.
std::optional<std::string> hash_key_from(std::istream& input);

} // namespace kore_gateway
