// Builds the gateway_config: JSON file, then environment overrides, then validation.
// Every failure names the key (or environment variable, or URL) at fault.
#pragma once

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include "kore_gateway/config/config.hpp"

namespace kore_gateway {

class config_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Looks up an environment variable; injectable so tests need not touch the process environment.
using env_lookup = std::function<std::optional<std::string>(const std::string& name)>;
env_lookup process_environment();

// Parses JSON text (the file's content) and applies env overrides. Throws config_error.
gateway_config load_config_from_text(const std::string& json_text, const env_lookup& env);

// Reads the file at path (throws config_error naming the path if unreadable) then as above.
gateway_config load_config(const std::string& path, const env_lookup& env);

} // namespace kore_gateway
