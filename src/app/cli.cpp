#include "kore_gateway/app/cli.hpp"

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

A local caching REST gateway for the KORE Premium Deal API and the Catalog API.

  --config FILE    configuration file (default: $GATEWAY_CONFIG, else config/gateway.json);
                   environment variables (GATEWAY_*, KORE_*, CATALOG_*) override it
  --check-config   validate the configuration, print the verdict and exit (0 valid, 1 invalid)
  --demo           start embedded mock upstreams on loopback and serve them; needs no credentials
  --version        print the version and exit
  --help           print this help and exit

SIGTERM or SIGINT stops accepting, lets requests in flight finish (bounded), and exits 0.
)";
}

} // namespace kore_gateway
