#include "kore_gateway/config/config_loader.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string_view>
#include <thread>

#include <nlohmann/json.hpp>

#include "kore_gateway/config/client_auth_config.hpp"
#include "kore_gateway/config/config_checks.hpp"
#include "kore_gateway/config/config_settings.hpp"
#include "kore_gateway/config/route_table.hpp"
#include "kore_gateway/config/secret_files.hpp"
#include "kore_gateway/config/upstream_config_loader.hpp"
#include "kore_gateway/net.hpp"

namespace kore_gateway {
namespace {

using json = nlohmann::json;

// Where the value of key came from: the file key or the environment variable.
std::string source_of(const raw_config& raw, std::string_view key) {
    const auto it = raw.source.find(key);
    return it != raw.source.end() ? it->second : file_key(key);
}

void check_origins(const raw_config& raw) {
    const auto& origins = raw.cfg.cors_origins;
    const std::string where = source_of(raw, "cors_origins");
    if (origins.empty()) {
        throw config_error(where + " must not be empty");
    }
    if (origins.size() == 1 && origins.front() == "*") {
        return;
    }
    for (const auto& origin : origins) {
        const auto authority = origin.find("://");
        const bool valid = origin != "*" && parse_url(origin) && authority != std::string::npos &&
                           origin.find('/', authority + 3) == std::string::npos;
        if (!valid) {
            throw config_error(where + ": '" + origin +
                               "' is not an origin (scheme://host[:port], or '*' alone)");
        }
    }
}

void check_listen_address(const raw_config& raw) {
    error_code ec;
    net::ip::make_address(raw.cfg.listen_address, ec);
    if (ec) {
        throw config_error(source_of(raw, "listen_address") + ": '" + raw.cfg.listen_address +
                           "' is not an IPv4 or IPv6 address");
    }
}

void check_ca_file(const raw_config& raw) {
    const auto& path = raw.cfg.ca_file;
    if (path.empty()) {
        return;
    }
    std::error_code ec;
    const bool regular = std::filesystem::is_regular_file(path, ec);
    if (!regular || !std::ifstream(path).good()) {
        throw config_error(source_of(raw, "ca_file") + ": '" + path + "' is not a readable file");
    }
}

gateway_config resolve(raw_config raw) {
    check_listen_address(raw);
    check_ca_file(raw);
    check_origins(raw);
    if (!raw.jwks_url.empty()) {
        raw.cfg.jwt.jwks_url = checked_config_url(raw.jwks_url, source_of(raw, "jwt.jwks_url"),
                                                  raw.cfg.allow_insecure_upstream, "JWKS");
    }
    if (raw.cfg.threads == 0) {
        raw.cfg.threads = std::max(1U, std::thread::hardware_concurrency());
    }
    return std::move(raw.cfg);
}

// The parser's own message without its "last read" excerpt, which may quote a secret.
std::string parse_message(const json::parse_error& e) {
    std::string message = e.what();
    if (const auto cut = message.find("; last read:"); cut != std::string::npos) {
        message.erase(cut);
    }
    if (message.starts_with("[json.exception.")) {
        message.erase(0, message.find("] ") + 2);
    }
    return message;
}

gateway_config load(const std::string& json_text, const std::string& origin,
                    const env_lookup& process_env) {
    // Every lookup of a secret variable, here and in load_upstreams, may read its _FILE.
    const auto env = with_secret_files(process_env);
    json document;
    try {
        document = json::parse(json_text);
    } catch (const json::parse_error& e) {
        throw config_error(origin + " is not valid JSON: " + parse_message(e));
    } catch (const json::out_of_range&) {
        // A number literal beyond a double (1e999): the parser throws this, not a parse_error.
        // Its message quotes the literal, so it is not repeated.
        throw config_error(origin + " is not valid JSON: a number is out of range");
    }
    if (!document.is_object()) {
        throw config_error(origin + " must hold a JSON object");
    }
    raw_config raw;
    apply_file_settings(document, raw);
    apply_environment_settings(env, raw);
    const auto client_auth_source = source_of(raw, "client_auth");
    auto config = resolve(std::move(raw));
    // Last: the upstream URL checks need the final allow_insecure_upstream.
    load_upstreams(document, env, config);
    // The routes need the upstream names and TTLs; every problem is reported at once (and the
    // table is built again, from the final config, by the gateway that uses it). The clients
    // and the client-auth checks need the route names.
    const auto table = build_route_table(config);
    const auto clients = document.find("clients");
    config.clients = parse_clients(clients == document.end() ? json() : *clients, table);
    check_client_auth(config, table, client_auth_source);
    return config;
}

} // namespace

env_lookup process_environment() {
    return [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        return value ? std::optional<std::string>(value) : std::nullopt;
    };
}

gateway_config load_config_from_text(const std::string& json_text, const env_lookup& env) {
    return load(json_text, "the configuration", env);
}

gateway_config load_config(const std::string& path, const env_lookup& env) {
    std::error_code ec;
    std::ifstream file(path, std::ios::binary);
    if (!file || std::filesystem::is_directory(path, ec)) {
        throw config_error("cannot read config file '" + path + "'");
    }
    std::string content{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
    if (file.bad()) {
        throw config_error("cannot read config file '" + path + "'");
    }
    return load(content, "config file '" + path + "'", env);
}

} // namespace kore_gateway
