// Command-line parsing for the kore-gateway executable.
#pragma once

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
    bool version = false;
    bool help = false;
};

struct cli_result {
    std::optional<cli_options> options;
    std::string error; // set when options is empty
};

cli_result parse_cli(const std::vector<std::string>& args, const env_lookup& env);

std::string usage_text();

} // namespace kore_gateway
