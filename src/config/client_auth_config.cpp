#include "kore_gateway/config/client_auth_config.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <string>

#include <boost/algorithm/string/case_conv.hpp>
#include <boost/url/grammar/hexdig_chars.hpp>

#include "kore_gateway/config/config_checks.hpp"
#include "kore_gateway/config/config_loader.hpp"
#include "kore_gateway/util/ascii.hpp"

namespace kore_gateway {
namespace {

using json = nlohmann::json;

constexpr std::size_t max_client_id_length = 64;
constexpr std::size_t sha256_hex_length = 64;
constexpr double max_client_rate_limit_rps = 1e6;

bool is_client_id(std::string_view id) {
    return !id.empty() && id.size() <= max_client_id_length &&
           std::all_of(id.begin(), id.end(), [](char c) {
               return is_ascii_alnum(c) || c == '_' || c == '.' || c == '-';
           });
}

bool is_sha256_hex(std::string_view text) {
    return text.size() == sha256_hex_length && std::all_of(text.begin(), text.end(), [](char c) {
               return boost::urls::grammar::hexdig_chars(c);
           });
}

const std::string& string_member(const json& value, const std::string& key) {
    if (!value.is_string()) {
        throw config_error(file_key(key) + " must be a string");
    }
    return value.get_ref<const std::string&>();
}

// An array of strings, each accepted by valid (whose failure is described by what); sorted,
// without repeats.
template <class Valid>
std::vector<std::string> string_set(const json& value, const std::string& key, Valid valid,
                                    std::string_view what) {
    if (!value.is_array()) {
        throw config_error(file_key(key) + " must be an array of strings");
    }
    std::vector<std::string> items;
    for (std::size_t i = 0; i < value.size(); ++i) {
        const auto item_key = key + "[" + std::to_string(i) + "]";
        const auto& item = string_member(value[i], item_key);
        if (!valid(item)) {
            throw config_error(file_key(item_key) + ": '" + item + "' " + std::string(what));
        }
        items.push_back(item);
    }
    std::sort(items.begin(), items.end());
    items.erase(std::unique(items.begin(), items.end()), items.end());
    return items;
}

api_client parse_client(const json& entry, const std::string& prefix, const route_table& table) {
    if (!entry.is_object()) {
        throw config_error(file_key(prefix) + " must be an object");
    }
    api_client client;
    for (const auto& [member, value] : entry.items()) {
        const auto key = prefix + "." + member;
        if (member == "id") {
            client.id = string_member(value, key);
            if (!is_client_id(client.id)) {
                throw config_error(file_key(key) + ": '" + client.id +
                                   "' does not match [A-Za-z0-9_.-]{1,64}");
            }
        } else if (member == "key_sha256") {
            // Never shown: a hash of a weak key can be reversed by guessing.
            client.key_sha256 = string_member(value, key);
            if (!is_sha256_hex(client.key_sha256)) {
                throw config_error(file_key(key) + " must be 64 hex digits, the SHA-256 of the key "
                                                   "(kore-gateway --hash-key prints it)");
            }
            boost::algorithm::to_lower(client.key_sha256);
        } else if (member == "routes") {
            if (value.is_array() && value.empty()) {
                throw config_error(file_key(key) +
                                   " must name at least one route (leave it out to allow all)");
            }
            client.routes = string_set(
                value, key, [&](const std::string& name) { return table.find(name) != nullptr; },
                "is not a route");
        } else if (member == "scopes") {
            client.scopes = string_set(value, key, is_scope_token,
                                       "is not a scope (RFC 6749 section 3.3 scope-token)");
        } else if (member == "rate_limit_rps") {
            if (!value.is_number() || !(value.get<double>() > 0) ||
                value.get<double>() > max_client_rate_limit_rps) {
                throw config_error(file_key(key) + " must be a number > 0 and <= 1000000");
            }
            client.rate_limit_rps = value.get<double>();
        } else {
            throw config_error("unknown key '" + key + "'");
        }
    }
    for (const auto* required : {"id", "key_sha256"}) {
        if (!entry.contains(required)) {
            throw config_error(file_key(prefix + "." + required) + " is required");
        }
    }
    return client;
}

} // namespace

std::vector<api_client> parse_clients(const json& clients, const route_table& table) {
    if (clients.is_null()) {
        return {};
    }
    if (!clients.is_array()) {
        throw config_error(file_key("clients") + " must be an array");
    }
    std::vector<api_client> parsed;
    std::map<std::string, std::string, std::less<>> first_with_id;
    std::map<std::string, std::string, std::less<>> first_with_key;
    for (std::size_t i = 0; i < clients.size(); ++i) {
        const auto prefix = "clients[" + std::to_string(i) + "]";
        auto client = parse_client(clients[i], prefix, table);
        if (const auto [first, inserted] = first_with_id.emplace(client.id, prefix); !inserted) {
            throw config_error(file_key(prefix + ".id") + ": '" + client.id +
                               "' is also the id of " + first->second);
        }
        if (const auto [first, inserted] = first_with_key.emplace(client.key_sha256, prefix);
            !inserted) {
            throw config_error(file_key(prefix + ".key_sha256") + " is also the key_sha256 of " +
                               first->second + ": each client needs its own key");
        }
        parsed.push_back(std::move(client));
    }
    std::sort(parsed.begin(), parsed.end(),
              [](const api_client& a, const api_client& b) { return a.id < b.id; });
    return parsed;
}

void check_client_auth(const gateway_config& config, const route_table& table,
                       std::string_view client_auth_source) {
    // The first place that accepts JWTs, and the first that accepts only API keys.
    std::string jwt_user;
    std::string key_only_user;
    const auto note = [&](const client_auth_mode& mode, const std::string& who) {
        if (mode.jwt && jwt_user.empty()) {
            jwt_user = who;
        }
        if (mode.api_key && !mode.jwt && key_only_user.empty()) {
            key_only_user = who;
        }
    };
    note(config.client_auth, std::string(client_auth_source));
    for (const auto& row : table.rows()) {
        if (row.client_auth) {
            note(*row.client_auth, "route '" + row.name + "' (field 'client_auth')");
        }
    }
    if (!jwt_user.empty()) {
        const std::array<std::pair<bool, std::string_view>, 3> settings{{
            {config.jwt.jwks_url.has_value(), "GATEWAY_JWT_JWKS_URL (or key 'jwt.jwks_url')"},
            {!config.jwt.issuer.empty(), "GATEWAY_JWT_ISSUER (or key 'jwt.issuer')"},
            {!config.jwt.audience.empty(), "GATEWAY_JWT_AUDIENCE (or key 'jwt.audience')"},
        }};
        std::string missing;
        for (const auto& [set, name] : settings) {
            if (!set) {
                missing += (missing.empty() ? "" : ", ") + std::string(name);
            }
        }
        if (!missing.empty()) {
            throw config_error(jwt_user + " accepts JWTs, but these are not set: " + missing);
        }
    }
    if (!key_only_user.empty() && config.clients.empty()) {
        throw config_error(key_only_user +
                           " accepts only API keys, but key 'clients' lists no client");
    }
}

} // namespace kore_gateway
