// The upstream part of the configuration (CONTRACT.md section 10): the file's "upstreams" object,
// the older top-level "kore" and "catalog" sections, the <NAME>_* environment variables, and the
// rules that turn them into gateway_config::upstreams. Used by config_loader.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "kore_gateway/config/config.hpp"
#include "kore_gateway/config/config_loader.hpp"

namespace kore_gateway {

// The top-level file keys read by load_upstreams: "upstreams", "kore" and "catalog".
bool is_upstream_section(std::string_view key);

// Reads the upstream sections of document (the whole config file, a JSON object) and the
// environment, validates them and fills config.upstreams and config.upstream_names.
// config.allow_insecure_upstream must already hold its final value. Throws config_error naming
// the key or variable at fault, never a secret value.
void load_upstreams(const nlohmann::json& document, const env_lookup& env, gateway_config& config);

} // namespace kore_gateway
