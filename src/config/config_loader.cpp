#include "kore_gateway/config/config_loader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string_view>
#include <thread>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "kore_gateway/net.hpp"

namespace kore_gateway {
namespace {

using json = nlohmann::json;

constexpr std::int64_t kib = 1024;
constexpr std::int64_t mib = 1024 * kib;
constexpr std::int64_t gib = 1024 * mib;
constexpr std::int64_t max_timeout_ms = 3600000;
constexpr std::int64_t max_seconds = 31536000;
constexpr std::string_view default_kore_auth_url =
    "https://koreauth.koresoftware.com/connect/token";
constexpr std::string_view default_kore_scope = "pss-api";

// The string fields of one upstream as read, before they are resolved into an upstream_config.
struct raw_upstream {
    std::string url;
    std::string api_key;
    std::string api_version;
    std::string auth_url;
    std::string client_id;
    std::string client_secret;
    std::string scope;
};

// Everything read from the file and the environment; source remembers where each value came
// from so that validation errors name the key or the variable the operator has to fix.
struct raw_config {
    gateway_config cfg;
    raw_upstream kore;
    raw_upstream catalog;
    std::map<std::string, std::string, std::less<>> source;
};

enum class kind { string, integer, number, boolean, string_list };

// One configuration setting: its JSON key path, its environment variable and how it is stored.
// Environment text is first converted to JSON so that both sources share one checking path.
struct setting {
    std::string key{};
    std::string env{}; // empty: no environment override
    kind type = kind::string;
    bool secret = false;
    std::int64_t min = 0;
    std::int64_t max = 0;
    std::vector<std::string_view> choices{}; // empty: any string
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

setting upstream_setting(std::string key, std::string env, raw_upstream raw_config::*up,
                         std::string raw_upstream::*field, bool secret) {
    return {.key = std::move(key),
            .env = std::move(env),
            .type = kind::string,
            .secret = secret,
            .assign = [up, field](raw_config& r, const json& v) {
                (r.*up).*field = v.get<std::string>();
            }};
}

void add_upstream(std::vector<setting>& s, const std::string& section, const std::string& prefix,
                  raw_upstream raw_config::*up) {
    const auto add = [&](const std::string& field, const std::string& var,
                         std::string raw_upstream::*member, bool secret) {
        s.push_back(upstream_setting(section + "." + field, var.empty() ? "" : prefix + var, up,
                                     member, secret));
    };
    add("url", "API_URL", &raw_upstream::url, false);
    add("api_key", "API_KEY", &raw_upstream::api_key, true);
    // CONTRACT.md defines no CATALOG_API_VERSION variable; the file key still exists.
    add("api_version", up == &raw_config::kore ? "API_VERSION" : "", &raw_upstream::api_version,
        false);
    add("auth_url", "AUTH_URL", &raw_upstream::auth_url, false);
    add("client_id", "CLIENT_ID", &raw_upstream::client_id, false);
    add("client_secret", "CLIENT_SECRET", &raw_upstream::client_secret, true);
    add("scope", "SCOPE", &raw_upstream::scope, false);
}

const std::vector<setting>& settings() {
    using g = gateway_config;
    static const std::vector<setting> all = [] {
        std::vector<setting> s{
            string_setting("listen_address", "GATEWAY_LISTEN_ADDRESS", &g::listen_address),
            integer_setting("port", "GATEWAY_PORT", 0, 65535, &g::port),
            integer_setting("threads", "GATEWAY_THREADS", 0, 256, &g::threads),
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
            {.key = "allow_insecure_upstream",
             .env = "GATEWAY_ALLOW_INSECURE_UPSTREAM",
             .type = kind::boolean,
             .assign = [](raw_config& r,
                          const json& v) { r.cfg.allow_insecure_upstream = v.get<bool>(); }},
            integer_setting("upstream_pool_size", "", 1, 4096, &g::upstream_pool_size),
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
        };
        add_upstream(s, "kore", "KORE_", &raw_config::kore);
        add_upstream(s, "catalog", "CATALOG_", &raw_config::catalog);
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

std::string file_key(std::string_view key) {
    return "key '" + std::string(key) + "'";
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
    if (s.type == kind::integer) {
        // The parser stores non-negative numbers as unsigned, which may exceed int64.
        bool fits = false;
        if (v.is_number_unsigned()) {
            const auto n = v.get<std::uint64_t>();
            fits = n <= static_cast<std::uint64_t>(s.max) &&
                   (s.min <= 0 || n >= static_cast<std::uint64_t>(s.min));
        } else {
            const auto n = v.get<std::int64_t>();
            fits = n >= s.min && n <= s.max;
        }
        if (!fits) {
            throw config_error(where + ":" + shown(s, v.dump()) + " is out of range " +
                               std::to_string(s.min) + ".." + std::to_string(s.max));
        }
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
    s.assign(raw, v);
    raw.source[s.key] = where;
}

void apply_object(const json& object, const std::string& prefix, raw_config& raw) {
    for (const auto& [name, value] : object.items()) {
        const std::string key = prefix + name;
        if (const auto* s = find_setting(key)) {
            assign(*s, value, file_key(key), raw);
            continue;
        }
        const auto& all = settings();
        const bool is_section = std::any_of(
            all.begin(), all.end(), [&](const setting& s) { return s.key.starts_with(key + "."); });
        if (!is_section) {
            throw config_error("unknown key '" + key + "'");
        }
        if (!value.is_object()) {
            throw config_error(file_key(key) + " must be an object");
        }
        apply_object(value, key + ".", raw);
    }
}

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        return {};
    }
    return s.substr(first, s.find_last_not_of(" \t") - first + 1);
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
            list.push_back(std::string(trim(rest.substr(0, comma))));
            if (comma == std::string_view::npos) {
                return list;
            }
            rest.remove_prefix(comma + 1);
        }
    }
    }
    return {};
}

void apply_environment(const env_lookup& env, raw_config& raw) {
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

// Where the value of key came from: the file key or the environment variable.
std::string source_of(const raw_config& raw, std::string_view key) {
    const auto it = raw.source.find(key);
    return it != raw.source.end() ? it->second : file_key(key);
}

// Both places a missing value may be given, for "is required" errors.
std::string either_name(std::string_view key) {
    const auto& env = find_setting(key)->env;
    return env.empty() ? file_key(key) : env + " (or config " + file_key(key) + ")";
}

url checked_url(const raw_config& raw, std::string_view key, const std::string& text) {
    auto parsed = parse_url(text);
    if (!parsed) {
        throw config_error(source_of(raw, key) + ": '" + text +
                           "' is not a valid URL (expected http(s)://host[:port][/path])");
    }
    if (!parsed->is_tls() && !raw.cfg.allow_insecure_upstream) {
        throw config_error("insecure upstream URL " + text +
                           " (set GATEWAY_ALLOW_INSECURE_UPSTREAM=1 to allow it in development)");
    }
    return *parsed;
}

void require(const std::string& value, std::string_view key, std::string_view because) {
    if (value.empty()) {
        throw config_error(either_name(key) + " is required when " + std::string(because));
    }
}

// A value sent as a header line on every upstream call: a control character, CR and LF above
// all, would split the line. The message leaves the value out, since it may be a secret.
void require_header_value(const raw_config& raw, const std::string& value, std::string_view key) {
    if (std::any_of(value.begin(), value.end(),
                    [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
        throw config_error(source_of(raw, key) + " must not contain control characters");
    }
}

std::optional<upstream_config> resolve_kore(const raw_config& raw) {
    const auto& r = raw.kore;
    if (r.url.empty()) {
        return std::nullopt;
    }
    upstream_config up{"kore", checked_url(raw, "kore.url", r.url), r.api_key, r.api_version, {}};
    const std::string auth_url =
        r.auth_url.empty() ? std::string(default_kore_auth_url) : r.auth_url;
    client_credentials auth{checked_url(raw, "kore.auth_url", auth_url), r.client_id,
                            r.client_secret,
                            r.scope.empty() ? std::string(default_kore_scope) : r.scope};
    // The KORE API wants both the API key and a bearer token on every call.
    const std::string_view because = "the KORE upstream is configured";
    require(r.client_id, "kore.client_id", because);
    require(r.client_secret, "kore.client_secret", because);
    require(r.api_key, "kore.api_key", because);
    require_header_value(raw, r.api_key, "kore.api_key");
    require_header_value(raw, r.api_version, "kore.api_version");
    up.auth = std::move(auth);
    return up;
}

std::optional<upstream_config> resolve_catalog(const raw_config& raw) {
    const auto& r = raw.catalog;
    if (r.url.empty()) {
        return std::nullopt;
    }
    upstream_config up{
        "catalog", checked_url(raw, "catalog.url", r.url), r.api_key, r.api_version, {}};
    require_header_value(raw, r.api_key, "catalog.api_key");
    require_header_value(raw, r.api_version, "catalog.api_version");
    if (!r.auth_url.empty()) {
        const std::string_view because = "the Catalog upstream has an auth URL";
        up.auth = client_credentials{checked_url(raw, "catalog.auth_url", r.auth_url), r.client_id,
                                     r.client_secret, r.scope};
        require(r.client_id, "catalog.client_id", because);
        require(r.client_secret, "catalog.client_secret", because);
    }
    return up;
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
    raw.cfg.kore = resolve_kore(raw);
    raw.cfg.catalog = resolve_catalog(raw);
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
                    const env_lookup& env) {
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
    apply_object(document, "", raw);
    apply_environment(env, raw);
    return resolve(std::move(raw));
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
