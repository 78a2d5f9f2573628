// Internal to the config loader: the table of top-level settings (file key, environment variable,
// type and bounds) and how values from the file and the environment reach a gateway_config.
#pragma once

#include <functional>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "kore_gateway/config/config.hpp"
#include "kore_gateway/config/config_loader.hpp"

namespace kore_gateway {

// Everything read from the file and the environment; source remembers where each value came
// from so that validation errors name the key or the variable the operator has to fix.
struct raw_config {
    gateway_config cfg;
    std::map<std::string, std::string, std::less<>> source;
    std::string jwks_url; // checked once allow_insecure_upstream is final
};

// The file's top-level keys, and the members of its "jwt" object; the upstream sections are left
// to load_upstreams, "clients" to parse_clients, and "routes" is kept in cfg.routes_source for
// the route table. Throws config_error naming the key at fault.
void apply_file_settings(const nlohmann::json& document, raw_config& raw);

// The settings' environment variables that are set and not empty, over what the file said.
// Throws config_error naming the variable at fault, never a secret's value.
void apply_environment_settings(const env_lookup& env, raw_config& raw);

} // namespace kore_gateway
