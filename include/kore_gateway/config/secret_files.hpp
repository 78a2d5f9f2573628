// <VAR>_FILE secrets (CONTRACT.md section 2): every secret variable may instead name a file that
// holds its value, as Docker and Kubernetes secrets are mounted.
#pragma once

#include <string_view>

#include "kore_gateway/config/config_loader.hpp"

namespace kore_gateway {

// Names ending in _CLIENT_SECRET or _API_KEY, GATEWAY_ADMIN_TOKEN and GATEWAY_REDIS_PASSWORD.
bool is_secret_variable(std::string_view name);

// env, except that a secret variable VAR that is unset (or empty) takes the content of the file
// named by VAR_FILE. Its lookups throw config_error when both are set or the file cannot be
// read; the message names the variables and the path, never the value.
env_lookup with_secret_files(env_lookup env);

// text without one trailing "\n" or "\r\n": how a secret file and the key --hash-key reads end.
std::string_view without_final_newline(std::string_view text);

} // namespace kore_gateway
