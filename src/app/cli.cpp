#include "kore_gateway/app/cli.hpp"

#include <iterator>

#include "kore_gateway/config/secret_files.hpp"
#include "kore_gateway/util/sha256.hpp"

namespace kore_gateway {

cli_result parse_cli(const std::vector<std::string>& args, const env_lookup& env) {
    cli_options options;
    options.config_path = env("GATEWAY_CONFIG").value_or("");
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto& arg = args[i];
        if (arg == "--config") {
            if (i + 1 == args.size()) {
                return {std::nullopt, "--config needs a file name"};
            }
            options.config_path = args[++i];
        } else if (arg.starts_with("--config=")) {
            options.config_path = arg.substr(9);
        } else if (arg == "--check-config") {
            options.check_config = true;
        } else if (arg == "--demo") {
            options.demo = true;
        } else if (arg == "--hash-key") {
            options.hash_key = true;
        } else if (arg == "--version") {
            options.version = true;
        } else if (arg == "--help" || arg == "-h") {
            options.help = true;
        } else {
            return {std::nullopt, "unknown argument '" + arg + "' (see --help)"};
        }
    }
    options.config_given = !options.config_path.empty();
    if (!options.config_given) {
        options.config_path = "config/gateway.json";
    }
    return {options, {}};
}

std::string usage_text() {
    return R"(Usage: kore-gateway [--config FILE] [--check-config] [--demo] [--version] [--help]
       kore-gateway --hash-key < KEY_FILE

A local caching REST gateway for the KORE Premium Deal API and the Catalog API.

  --config FILE    configuration file (default: $GATEWAY_CONFIG, else config/gateway.json);
                   environment variables (GATEWAY_*, KORE_*, CATALOG_*, <NAME>_*) override it;
                   a secret variable (*_API_KEY, *_CLIENT_SECRET, GATEWAY_ADMIN_TOKEN,
                   GATEWAY_REDIS_PASSWORD) may instead be read from the file its <VAR>_FILE names
  --check-config   validate the configuration, print the verdict and exit (0 valid, 1 invalid)
  --demo           start embedded mock upstreams on loopback and serve them; needs no credentials
  --hash-key       read a client API key on stdin (one trailing newline dropped), print its
                   SHA-256 as the "key_sha256" of a "clients" entry, and exit
  --version        print the version and exit
  --help           print this help and exit

SIGTERM or SIGINT stops accepting, lets requests in flight finish (bounded), and exits 0.
SIGHUP (or POST /admin/reload) reads the configuration and the *_FILE secrets again and applies
them without dropping connections; an invalid configuration changes nothing.
)";
}

std::optional<std::string> hash_key_from(std::istream& input) {
    const std::string text{std::istreambuf_iterator<char>(input), std::istreambuf_iterator<char>()};
    const auto key = without_final_newline(text);
    if (key.empty()) {
        return std::nullopt;
    }
    return sha256_hex(key);
}

} // namespace kore_gateway
