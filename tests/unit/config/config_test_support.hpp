// Loading a configuration from text with a made-up environment, for the config loader tests.
#pragma once

#include <map>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "kore_gateway/config/config_loader.hpp"

namespace kore_gateway::testing {

using env_map = std::map<std::string, std::string>;

inline env_lookup fake_env(env_map vars) {
    return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
        const auto it = vars.find(name);
        return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
}

inline gateway_config load(const std::string& text, const env_map& env = {}) {
    return load_config_from_text(text, fake_env(env));
}

// The message of the config_error that loading throws; fails the test if nothing is thrown.
inline std::string error_of(const std::string& text, const env_map& env = {}) {
    try {
        load(text, env);
    } catch (const config_error& e) {
        return e.what();
    }
    ADD_FAILURE() << "no config_error for " << text;
    return {};
}

} // namespace kore_gateway::testing
