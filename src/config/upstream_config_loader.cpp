#include "kore_gateway/config/upstream_config_loader.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/beast/core/string.hpp>

#include "kore_gateway/config/config_checks.hpp"
#include "kore_gateway/util/ascii.hpp"

namespace kore_gateway {
namespace {

using json = nlohmann::json;

constexpr std::string_view default_kore_auth_url =
    "https://koreauth.koresoftware.com/connect/token";
constexpr std::string_view default_kore_scope = "pss-api";
constexpr std::size_t max_name_length = 32;

// Headers the gateway writes itself or never forwards (CONTRACT.md section 4), plus those that
// frame the message or carry the trace: an API key sent in one of them would be overwritten,
// sent twice or break the request.
constexpr std::array<std::string_view, 17> reserved_headers{
    "accept",     "authorization", "connection",   "content-length", "content-type",      "cookie",
    "host",       "keep-alive",    "te",           "trailer",        "transfer-encoding", "upgrade",
    "user-agent", "x-api-version", "x-request-id", "traceparent",    "tracestate"};

// One field of an upstream, in both file forms and the environment.
struct field {
    std::string_view path{};       // in an "upstreams" entry: "auth.token_url"
    std::string_view flat_name{};  // in an older top-level kore/catalog section; empty: not there
    std::string_view env_suffix{}; // <NAME>_<env_suffix> overrides it; empty: file only
    bool integer = false;          // else a string
    std::int64_t max = 0;          // integers: 1..max
    std::vector<std::string_view> choices{}; // strings: empty = any
};

const std::vector<field>& fields() {
    static const std::vector<field> all{
        {.path = "url", .flat_name = "url", .env_suffix = "API_URL"},
        {.path = "api_key", .flat_name = "api_key", .env_suffix = "API_KEY"},
        {.path = "api_key_header"},
        {.path = "api_version", .flat_name = "api_version", .env_suffix = "API_VERSION"},
        {.path = "auth.token_url", .flat_name = "auth_url", .env_suffix = "AUTH_URL"},
        {.path = "auth.client_id", .flat_name = "client_id", .env_suffix = "CLIENT_ID"},
        {.path = "auth.client_secret", .flat_name = "client_secret", .env_suffix = "CLIENT_SECRET"},
        {.path = "auth.scope", .flat_name = "scope", .env_suffix = "SCOPE"},
        {.path = "auth.audience", .env_suffix = "AUDIENCE"},
        {.path = "auth.resource"},
        {.path = "auth.client_auth", .choices = {"body", "basic"}},
        {.path = "timeout_ms", .integer = true, .max = max_timeout_ms},
        {.path = "pool_size", .integer = true, .max = max_pool_size},
    };
    return all;
}

const field& field_at(std::string_view path) {
    const auto& all = fields();
    return *std::find_if(all.begin(), all.end(), [&](const field& f) { return f.path == path; });
}

// One declared upstream as read from the file and the environment.
struct declared {
    std::string name;
    bool flat = true; // the older top-level section's form (also for kore/catalog not in the file)
    bool in_file = false;                           // declared by a file section
    std::map<std::string_view, json> values;        // by field path
    std::map<std::string_view, std::string> source; // by field path: the key or the variable
};

using declared_map = std::map<std::string, declared, std::less<>>;

// The file key of a field in the form its upstream was declared in.
std::string key_of(const declared& d, const field& f) {
    if (d.flat && !f.flat_name.empty()) {
        return d.name + "." + std::string(f.flat_name);
    }
    return "upstreams." + d.name + "." + std::string(f.path);
}

std::string env_name(const declared& d, const field& f) {
    std::string var;
    for (const char c : d.name) { // [a-z0-9_]: upper-casing needs no locale
        var += c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    }
    return var + "_" + std::string(f.env_suffix);
}

bool is_upstream_name(std::string_view name) {
    const auto allowed = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    };
    return !name.empty() && name.size() <= max_name_length && name[0] >= 'a' && name[0] <= 'z' &&
           std::all_of(name.begin(), name.end(), allowed);
}

// Checks a value (from either source) against its field and keeps it; where names the source.
// No string value is shown, since it may be a secret, except one refused from a list of choices.
void store(declared& d, const field& f, const json& value, const std::string& where) {
    if (f.integer) {
        if (!value.is_number_integer()) {
            throw config_error(where + " must be an integer");
        }
        if (!integer_in_range(value, 1, f.max)) {
            throw config_error(where + ": '" + value.dump() + "' is out of range 1.." +
                               std::to_string(f.max));
        }
    } else if (!value.is_string()) {
        throw config_error(where + " must be a string");
    } else if (!f.choices.empty() && std::find(f.choices.begin(), f.choices.end(),
                                               value.get<std::string>()) == f.choices.end()) {
        std::string list;
        for (const auto choice : f.choices) {
            list += (list.empty() ? "" : ", ") + std::string(choice);
        }
        throw config_error(where + ": '" + value.get<std::string>() + "' is not one of " + list);
    }
    d.values[f.path] = value;
    d.source[f.path] = where;
}

// Reads the members of object: an "upstreams" entry (within ""), its "auth" object (within
// "auth.") or an older flat section.
void read_members(declared& d, const json& object, const std::string& prefix,
                  std::string_view within) {
    for (const auto& item : object.items()) {
        // Named references, not a structured binding: clang 14 (the fuzz build) cannot capture one.
        const std::string& member = item.key();
        const json& value = item.value();
        const std::string key = prefix + member;
        if (!d.flat && within.empty() && member == "auth") {
            if (!value.is_object()) {
                throw config_error(file_key(key) + " must be an object");
            }
            read_members(d, value, key + ".", "auth.");
            continue;
        }
        const auto& all = fields();
        const auto found = std::find_if(all.begin(), all.end(), [&](const field& f) {
            if (d.flat) {
                return !f.flat_name.empty() && f.flat_name == member;
            }
            return member.find('.') == std::string::npos && f.path == std::string(within) + member;
        });
        if (found == all.end()) {
            throw config_error("unknown key '" + key + "'");
        }
        store(d, *found, value, file_key(key));
    }
}

declared& declare(declared_map& all, const std::string& name, bool flat) {
    auto& d = all[name];
    if (d.in_file) {
        const auto section = [&](bool f) { return file_key(f ? name : "upstreams." + name); };
        throw config_error("upstream '" + name + "' is configured twice, by " + section(d.flat) +
                           " and by " + section(flat) + ": keep one");
    }
    d.name = name;
    d.flat = flat;
    d.in_file = true;
    return d;
}

declared_map read_file(const json& document) {
    declared_map all;
    for (const auto& [key, value] : document.items()) {
        if (!is_upstream_section(key)) {
            continue;
        }
        if (!value.is_object()) {
            throw config_error(file_key(key) + " must be an object");
        }
        if (key != "upstreams") {
            read_members(declare(all, key, true), value, key + ".", "");
            continue;
        }
        for (const auto& [name, entry] : value.items()) {
            const std::string entry_key = "upstreams." + name;
            if (!is_upstream_name(name)) {
                throw config_error(file_key(entry_key) +
                                   ": an upstream name must match [a-z][a-z0-9_]{0,31}");
            }
            if (!entry.is_object()) {
                throw config_error(file_key(entry_key) + " must be an object");
            }
            read_members(declare(all, name, false), entry, entry_key + ".", "");
        }
    }
    for (const std::string builtin : {"kore", "catalog"}) {
        all[builtin].name = builtin;
    }
    return all;
}

// Only the upstreams the file declares (and the built-ins) read variables: an unknown
// FOO_API_URL is not an upstream.
void read_environment(declared_map& all, const env_lookup& env) {
    for (auto& [name, d] : all) {
        for (const auto& f : fields()) {
            if (f.env_suffix.empty()) {
                continue;
            }
            const auto var = env_name(d, f);
            if (const auto value = env(var); value && !value->empty()) {
                store(d, f, json(*value), var);
            }
        }
    }
}

std::string text(const declared& d, std::string_view path) {
    const auto it = d.values.find(path);
    return it == d.values.end() ? std::string() : it->second.get<std::string>();
}

std::optional<std::int64_t> number(const declared& d, std::string_view path) {
    const auto it = d.values.find(path);
    return it == d.values.end() ? std::nullopt : std::optional(it->second.get<std::int64_t>());
}

// Where the value of a field came from: the file key or the environment variable.
std::string source_of(const declared& d, std::string_view path) {
    const auto it = d.source.find(path);
    return it != d.source.end() ? it->second : file_key(key_of(d, field_at(path)));
}

url checked_url(const declared& d, std::string_view path, const std::string& value,
                bool allow_insecure) {
    return checked_config_url(value, source_of(d, path), allow_insecure, "upstream");
}

// Both places a missing value may be given, for "is required" errors.
void require(const declared& d, std::string_view path, const std::string& because) {
    if (!text(d, path).empty()) {
        return;
    }
    const auto& f = field_at(path);
    const auto key = file_key(key_of(d, f));
    throw config_error((f.env_suffix.empty() ? key : env_name(d, f) + " (or config " + key + ")") +
                       " is required when " + because);
}

// A value sent as a header line on every upstream call: a control character, CR and LF above
// all, would split the line. The message leaves the value out, since it may be a secret.
void require_header_value(const declared& d, std::string_view path) {
    const auto value = text(d, path);
    if (std::any_of(value.begin(), value.end(),
                    [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
        throw config_error(source_of(d, path) + " must not contain control characters");
    }
}

// api_key_header: an RFC 9110 token, and not a header the gateway owns.
std::string checked_header_name(const declared& d) {
    const auto name = text(d, "api_key_header");
    const auto where = source_of(d, "api_key_header") + ": '" + name + "'";
    const auto is_tchar = [](char c) {
        return is_ascii_alnum(c) ||
               std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    };
    if (name.empty() || !std::all_of(name.begin(), name.end(), is_tchar)) {
        throw config_error(where + " is not a header name");
    }
    const auto reserved = std::any_of(reserved_headers.begin(), reserved_headers.end(),
                                      [&](std::string_view h) { return iequals_ascii(h, name); });
    if (reserved || iequals_ascii(name.substr(0, 6), "proxy-")) {
        throw config_error(where + " is a header the gateway sets itself or never forwards");
    }
    return name;
}

// kore always has a bearer token (with a default auth URL and scope); another upstream has one
// when it names a token URL.
std::optional<client_credentials> resolve_auth(const declared& d, bool allow_insecure) {
    const bool is_kore = d.name == "kore";
    auto token_url = text(d, "auth.token_url");
    if (token_url.empty() && !is_kore) {
        return std::nullopt;
    }
    client_credentials auth;
    auth.token_url = checked_url(d, "auth.token_url",
                                 token_url.empty() ? std::string(default_kore_auth_url) : token_url,
                                 allow_insecure);
    auth.client_id = text(d, "auth.client_id");
    auth.client_secret = text(d, "auth.client_secret");
    auth.scope = text(d, "auth.scope");
    if (auth.scope.empty() && is_kore) {
        auth.scope = default_kore_scope;
    }
    auth.audience = text(d, "auth.audience");
    auth.resource = text(d, "auth.resource");
    if (text(d, "auth.client_auth") == "basic") {
        auth.client_auth = client_auth_method::basic;
    }
    const std::string because = is_kore               ? "the KORE upstream is configured"
                                : d.name == "catalog" ? "the Catalog upstream has an auth URL"
                                                      : "upstream '" + d.name + "' has a token URL";
    require(d, "auth.client_id", because);
    require(d, "auth.client_secret", because);
    return auth;
}

// nullopt for an upstream without a URL: declared, but its routes answer 502.
std::optional<upstream_config> resolve(const declared& d, bool allow_insecure) {
    const auto base_url = text(d, "url");
    if (base_url.empty()) {
        return std::nullopt;
    }
    upstream_config up;
    up.name = d.name;
    up.base_url = checked_url(d, "url", base_url, allow_insecure);
    up.auth = resolve_auth(d, allow_insecure);
    if (d.name == "kore") {
        // The KORE API wants both the API key and a bearer token on every call.
        require(d, "api_key", "the KORE upstream is configured");
    }
    require_header_value(d, "api_key");
    require_header_value(d, "api_version");
    up.api_key = text(d, "api_key");
    up.api_version = text(d, "api_version");
    if (d.values.contains("api_key_header")) {
        up.api_key_header = checked_header_name(d);
    }
    if (const auto ms = number(d, "timeout_ms")) {
        up.timeout = std::chrono::milliseconds(*ms);
    }
    if (const auto size = number(d, "pool_size")) {
        up.pool_size = static_cast<std::size_t>(*size);
    }
    return up;
}

} // namespace

bool is_upstream_section(std::string_view key) {
    return key == "upstreams" || key == "kore" || key == "catalog";
}

void load_upstreams(const json& document, const env_lookup& env, gateway_config& config) {
    auto all = read_file(document);
    read_environment(all, env);
    for (const auto& [name, d] : all) {
        config.upstream_names.insert(name);
        if (auto up = resolve(d, config.allow_insecure_upstream)) {
            config.upstreams.push_back(std::move(*up)); // in name order: the map's
        }
    }
}

} // namespace kore_gateway
