#include "kore_gateway/config/secret_files.hpp"

#include <filesystem>
#include <fstream>
#include <string>

namespace kore_gateway {
namespace {

// A secret is a few hundred bytes at most: a larger file (or /dev/zero) is a wrong path.
constexpr std::size_t max_secret_file_bytes = 65536;

std::string read_secret_file(const std::string& variable, const std::string& path) {
    const auto unreadable = [&] {
        return config_error(variable + ": '" + path + "' is not a readable file");
    };
    std::error_code ec;
    std::ifstream file(path, std::ios::binary);
    if (!std::filesystem::is_regular_file(path, ec) || !file.is_open()) {
        throw unreadable();
    }
    std::string content(max_secret_file_bytes + 1, '\0');
    file.read(content.data(), static_cast<std::streamsize>(content.size()));
    if (file.bad()) {
        throw unreadable();
    }
    content.resize(static_cast<std::size_t>(file.gcount()));
    if (content.size() > max_secret_file_bytes) {
        throw config_error(variable + ": '" + path + "' is larger than " +
                           std::to_string(max_secret_file_bytes) + " bytes");
    }
    return std::string(without_final_newline(content));
}

} // namespace

bool is_secret_variable(std::string_view name) {
    return name.ends_with("_CLIENT_SECRET") || name.ends_with("_API_KEY") ||
           name == "GATEWAY_ADMIN_TOKEN" || name == "GATEWAY_REDIS_PASSWORD";
}

env_lookup with_secret_files(env_lookup env) {
    return [env = std::move(env)](const std::string& name) -> std::optional<std::string> {
        auto value = env(name);
        if (!is_secret_variable(name)) {
            return value;
        }
        const auto file_variable = name + "_FILE";
        const auto path = env(file_variable);
        if (!path || path->empty()) {
            return value;
        }
        if (value && !value->empty()) {
            throw config_error(name + " and " + file_variable + " are both set: set one of them");
        }
        return read_secret_file(file_variable, *path);
    };
}

std::string_view without_final_newline(std::string_view text) {
    if (text.ends_with("\r\n")) {
        text.remove_suffix(2);
    } else if (text.ends_with('\n')) {
        text.remove_suffix(1);
    }
    return text;
}

} // namespace kore_gateway
