// Configuration text and environment overrides through the loader. Input: the JSON file's text,
// then optionally a NUL byte followed by NAME=value lines that make up the environment. Any
// config_error is a correct answer; another exception or a crash is a bug.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_input.hpp"
#include "kore_gateway/config/config_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace kore_gateway;
    const auto bytes = fuzz::as_text(data, size);
    const auto nul = bytes.find('\0');
    const std::string json_text(bytes.substr(0, nul));
    std::map<std::string, std::string> vars;
    if (nul != std::string_view::npos) {
        auto rest = bytes.substr(nul + 1);
        while (!rest.empty()) {
            const auto line = rest.substr(0, rest.find('\n'));
            rest.remove_prefix(std::min(rest.size(), line.size() + 1));
            const auto eq = line.find('=');
            if (eq != std::string_view::npos) {
                vars[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
            }
        }
    }
    const env_lookup env = [&vars](const std::string& name) -> std::optional<std::string> {
        const auto it = vars.find(name);
        return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    try {
        const auto config = load_config_from_text(json_text, env);
        // What the loader promises about a configuration it accepts.
        if (config.threads == 0 || config.cors_origins.empty()) {
            __builtin_trap();
        }
    } catch (const config_error&) {
    }
    return 0;
}
