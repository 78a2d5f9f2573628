#include "kore_gateway/config/config_settings.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string_view>
#include <type_traits>
#include <vector>

#include "kore_gateway/config/config_checks.hpp"
#include "kore_gateway/config/upstream_config_loader.hpp"
#include "kore_gateway/redis/redis_url.hpp"
#include "kore_gateway/util/ascii.hpp"

namespace kore_gateway {
namespace {

using json = nlohmann::json;

constexpr std::int64_t kib = 1024;
constexpr std::int64_t mib = 1024 * kib;
constexpr std::int64_t gib = 1024 * mib;
constexpr std::int64_t max_seconds = 31536000;

enum class kind { string, integer, number, boolean, string_list };

// One configuration setting: its JSON key, its environment variable and how it is stored.
// Environment text is first converted to JSON so that both sources share one checking path.
struct setting {
    std::string key{};
    std::string env{}; // empty: no environment override
    kind type = kind::string;
    bool secret = false;
    std::int64_t min = 0;
    std::int64_t max = 0;
    std::vector<std::string_view> choices{}; // empty: any string
    // A syntax the string must have besides choices, and its description: "one of ...".
    std::function<bool(std::string_view)> accepts{};
    std::string_view syntax{};
    std::function<void(raw_config&, const json&)> assign{};
};

template <class T>
setting integer_setting(std::string key, std::string env, std::int64_t min, std::int64_t max,
                        T gateway_config::*member) {
    return {.key = std::move(key),
            .env = std::move(env),
            .type = kind::integer,
            .min = min,
            .max = max,
            .assign = [member](raw_config& r, const json& v) {
                const auto n = v.get<std::int64_t>();
                if constexpr (std::is_arithmetic_v<T>) {
                    r.cfg.*member = static_cast<T>(n);
                } else {
                    r.cfg.*member = T{n};
                }
            }};
}

setting string_setting(std::string key, std::string env, std::string gateway_config::*member,
                       bool secret = false) {
    return {
        .key = std::move(key),
        .env = std::move(env),
        .type = kind::string,
        .secret = secret,
        .assign = [member](raw_config& r, const json& v) { r.cfg.*member = v.get<std::string>(); }};
}

setting boolean_setting(std::string key, std::string env, bool gateway_config::*member) {
    return {.key = std::move(key),
            .env = std::move(env),
            .type = kind::boolean,
            .assign = [member](raw_config& r, const json& v) { r.cfg.*member = v.get<bool>(); }};
}

const std::vector<setting>& settings() {
    using g = gateway_config;
    static const std::vector<setting> all = [] {
        std::vector<setting> s{
            string_setting("listen_address", "GATEWAY_LISTEN_ADDRESS", &g::listen_address),
            integer_setting("port", "GATEWAY_PORT", 0, 65535, &g::port),
            integer_setting("threads", "GATEWAY_THREADS", 0, 256, &g::threads),
            boolean_setting("cpu_affinity", "GATEWAY_CPU_AFFINITY", &g::cpu_affinity),
            {.key = "log_level",
             .env = "GATEWAY_LOG_LEVEL",
             .type = kind::string,
             .choices = {"trace", "debug", "info", "warn", "error"},
             .assign = [](raw_config& r,
                          const json& v) { r.cfg.log_level = v.get<std::string>(); }},
            integer_setting("max_connections", "GATEWAY_MAX_CONNECTIONS", 1, 1000000,
                            &g::max_connections),
            {.key = "rate_limit_rps",
             .env = "GATEWAY_RATE_LIMIT_RPS",
             .type = kind::number,
             .assign = [](raw_config& r,
                          const json& v) { r.cfg.rate_limit_rps = v.get<double>(); }},
            integer_setting("max_body_bytes", "GATEWAY_MAX_BODY_BYTES", 1, gib, &g::max_body_bytes),
            integer_setting("max_header_bytes", "", kib, mib, &g::max_header_bytes),
            integer_setting("request_read_timeout_ms", "", 1, max_timeout_ms,
                            &g::request_read_timeout),
            integer_setting("idle_timeout_ms", "", 1, max_timeout_ms, &g::idle_timeout),
            integer_setting("drain_timeout_ms", "", 1, max_timeout_ms, &g::drain_timeout),
            integer_setting("upstream_timeout_ms", "GATEWAY_UPSTREAM_TIMEOUT_MS", 1, max_timeout_ms,
                            &g::upstream_timeout),
            string_setting("ca_file", "GATEWAY_CA_FILE", &g::ca_file),
            boolean_setting("allow_insecure_upstream", "GATEWAY_ALLOW_INSECURE_UPSTREAM",
                            &g::allow_insecure_upstream),
            integer_setting("upstream_pool_size", "", 1, max_pool_size, &g::upstream_pool_size),
            integer_setting("upstream_max_response_bytes", "", kib, gib,
                            &g::upstream_max_response_bytes),
            integer_setting("catalog_ttl_s", "GATEWAY_CATALOG_TTL_S", 0, max_seconds,
                            &g::catalog_ttl),
            integer_setting("deals_ttl_s", "GATEWAY_DEALS_TTL_S", 0, max_seconds, &g::deals_ttl),
            integer_setting("stale_if_error_s", "GATEWAY_STALE_IF_ERROR_S", 0, max_seconds,
                            &g::stale_if_error),
            integer_setting("cache_max_bytes", "GATEWAY_CACHE_MAX_BYTES", 0, 64 * gib,
                            &g::cache_max_bytes),
            {.key = "cors_origins",
             .env = "GATEWAY_CORS_ORIGINS",
             .type = kind::string_list,
             .assign =
                 [](raw_config& r, const json& v) {
                     r.cfg.cors_origins = v.get<std::vector<std::string>>();
                 }},
            string_setting("admin_token", "GATEWAY_ADMIN_TOKEN", &g::admin_token, true),
            {.key = "client_auth",
             .env = "GATEWAY_CLIENT_AUTH",
             .type = kind::string,
             .accepts = [](std::string_view v) { return parse_client_auth_mode(v).has_value(); },
             .syntax = client_auth_syntax,
             .assign =
                 [](raw_config& r, const json& v) {
                     r.cfg.client_auth = *parse_client_auth_mode(v.get<std::string>());
                 }},
            {.key = "metrics_auth",
             .type = kind::string,
             .choices = {"none", "client_auth"},
             .assign = [](raw_config& r,
                          const json& v) { r.cfg.metrics_auth = v.get<std::string>() != "none"; }},
            // The members of the file's "jwt" object.
            {.key = "jwt.jwks_url",
             .env = "GATEWAY_JWT_JWKS_URL",
             .type = kind::string,
             .assign = [](raw_config& r, const json& v) { r.jwks_url = v.get<std::string>(); }},
            {.key = "jwt.issuer",
             .env = "GATEWAY_JWT_ISSUER",
             .type = kind::string,
             .assign = [](raw_config& r,
                          const json& v) { r.cfg.jwt.issuer = v.get<std::string>(); }},
            {.key = "jwt.audience",
             .env = "GATEWAY_JWT_AUDIENCE",
             .type = kind::string,
             .assign = [](raw_config& r,
                          const json& v) { r.cfg.jwt.audience = v.get<std::string>(); }},
            {.key = "jwt.leeway_s",
             .env = "GATEWAY_JWT_LEEWAY_S",
             .type = kind::integer,
             .min = 0,
             .max = 3600,
             .assign =
                 [](raw_config& r, const json& v) {
                     r.cfg.jwt.leeway = std::chrono::seconds(v.get<std::int64_t>());
                 }},
            {.key = "log_format",
             .env = "GATEWAY_LOG_FORMAT",
             .type = kind::string,
             .choices = {"text", "json"},
             .assign = [](raw_config& r,
                          const json& v) { r.cfg.log_format = v.get<std::string>(); }},
            integer_setting("circuit_failures", "GATEWAY_CIRCUIT_FAILURES", 0, 1000,
                            &g::circuit_failures),
            integer_setting("circuit_open_ms", "GATEWAY_CIRCUIT_OPEN_MS", 100, max_timeout_ms,
                            &g::circuit_open),
            // Secret as well: a refused URL may be one with a password in it, and is never
            // quoted back.
            {.key = "redis_url",
             .env = "GATEWAY_REDIS_URL",
             .type = kind::string,
             .secret = true,
             .accepts = [](std::string_view v) { return parse_redis_url(v).url.has_value(); },
             .syntax = "redis://[user@]host[:port][/db] or rediss://... without a password (the "
                       "password goes in GATEWAY_REDIS_PASSWORD)",
             .assign = [](raw_config& r,
                          const json& v) { r.cfg.redis_url = v.get<std::string>(); }},
            string_setting("redis_password", "GATEWAY_REDIS_PASSWORD", &g::redis_password, true),
            integer_setting("redis_timeout_ms", "GATEWAY_REDIS_TIMEOUT_MS", 1, 60000,
                            &g::redis_timeout),
            string_setting("redis_key_prefix", "GATEWAY_REDIS_KEY_PREFIX", &g::redis_key_prefix),
        };
        return s;
    }();
    return all;
}

const setting* find_setting(std::string_view key) {
    const auto& all = settings();
    const auto found =
        std::find_if(all.begin(), all.end(), [&](const setting& s) { return s.key == key; });
    return found == all.end() ? nullptr : &*found;
}

// How an error shows the offending value: never at all for a secret.
std::string shown(const setting& s, std::string_view value) {
    return s.secret ? std::string() : " '" + std::string(value) + "'";
}

std::string_view type_name(kind k) {
    switch (k) {
    case kind::string:
        return "a string";
    case kind::integer:
        return "an integer";
    case kind::number:
        return "a number";
    case kind::boolean:
        return "a boolean";
    case kind::string_list:
        return "an array of strings";
    }
    return "";
}

bool has_type(const json& v, kind k) {
    switch (k) {
    case kind::string:
        return v.is_string();
    case kind::integer:
        return v.is_number_integer();
    case kind::number:
        return v.is_number();
    case kind::boolean:
        return v.is_boolean();
    case kind::string_list:
        return v.is_array() &&
               std::all_of(v.begin(), v.end(), [](const json& e) { return e.is_string(); });
    }
    return false;
}

// Checks a value (from either source) against the setting and stores it; where names the source.
void assign(const setting& s, const json& v, const std::string& where, raw_config& raw) {
    if (!has_type(v, s.type)) {
        throw config_error(where + " must be " + std::string(type_name(s.type)));
    }
    if (s.type == kind::integer && !integer_in_range(v, s.min, s.max)) {
        throw config_error(where + ":" + shown(s, v.dump()) + " is out of range " +
                           std::to_string(s.min) + ".." + std::to_string(s.max));
    }
    if (s.type == kind::number && !(v.get<double>() >= 0)) {
        throw config_error(where + ":" + shown(s, v.dump()) + " must be a number >= 0");
    }
    if (!s.choices.empty() &&
        std::find(s.choices.begin(), s.choices.end(), v.get<std::string>()) == s.choices.end()) {
        std::string list;
        for (const auto c : s.choices) {
            list += (list.empty() ? "" : ", ") + std::string(c);
        }
        throw config_error(where + ":" + shown(s, v.get<std::string>()) + " is not one of " + list);
    }
    if (s.accepts && !s.accepts(v.get<std::string>())) {
        throw config_error(where + ":" + shown(s, v.get<std::string>()) + " is not " +
                           std::string(s.syntax));
    }
    s.assign(raw, v);
    raw.source[s.key] = where;
}

template <class T> bool parse_full(std::string_view text, T& out) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && end == text.data() + text.size();
}

// Converts the text of an environment variable into the JSON value the setting expects.
json env_value(const setting& s, const std::string& text) {
    const std::string where = s.env + ":" + shown(s, text);
    switch (s.type) {
    case kind::string:
        return text;
    case kind::integer: {
        std::int64_t n = 0;
        if (!parse_full(text, n)) {
            throw config_error(where + " is not an integer");
        }
        return n;
    }
    case kind::number: {
        double d = 0;
        if (!parse_full(text, d) || !std::isfinite(d)) {
            throw config_error(where + " is not a number");
        }
        return d;
    }
    case kind::boolean:
        if (text == "1" || text == "true") {
            return true;
        }
        if (text == "0" || text == "false") {
            return false;
        }
        throw config_error(where + " is not a boolean (1, true, 0 or false)");
    case kind::string_list: {
        json list = json::array();
        std::string_view rest = text;
        for (;;) {
            const auto comma = rest.find(',');
            list.push_back(std::string(trim_ows(rest.substr(0, comma))));
            if (comma == std::string_view::npos) {
                return list;
            }
            rest.remove_prefix(comma + 1);
        }
    }
    }
    return {};
}

} // namespace

void apply_file_settings(const json& document, raw_config& raw) {
    for (const auto& [key, value] : document.items()) {
        if (is_upstream_section(key) || key == "clients") {
            continue;
        }
        if (key == "routes") {
            raw.cfg.routes_source = value; // parsed by the route table, not here
            continue;
        }
        if (key == "jwt") {
            if (!value.is_object()) {
                throw config_error(file_key(key) + " must be an object");
            }
            for (const auto& [member, member_value] : value.items()) {
                const auto* s =
                    member.find('.') == std::string::npos ? find_setting("jwt." + member) : nullptr;
                if (s == nullptr) {
                    throw config_error("unknown key 'jwt." + member + "'");
                }
                assign(*s, member_value, file_key(s->key), raw);
            }
            continue;
        }
        // A dotted name is a member of an object ("jwt.issuer"), not a top-level key.
        const auto* s = key.find('.') == std::string::npos ? find_setting(key) : nullptr;
        if (s == nullptr) {
            throw config_error("unknown key '" + key + "'");
        }
        assign(*s, value, file_key(key), raw);
    }
}

void apply_environment_settings(const env_lookup& env, raw_config& raw) {
    for (const auto& s : settings()) {
        if (s.env.empty()) {
            continue;
        }
        const auto value = env(s.env);
        if (value && !value->empty()) {
            assign(s, env_value(s, *value), s.env, raw);
        }
    }
}

} // namespace kore_gateway
