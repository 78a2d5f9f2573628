// kore-gateway: parse the command line, load the configuration, run until a signal.
#include <iostream>

#include <spdlog/spdlog.h>

#include "kore_gateway/app/cli.hpp"
#include "kore_gateway/app/demo_mode.hpp"
#include "kore_gateway/app/gateway_app.hpp"
#include "kore_gateway/config/config_loader.hpp"
#include "kore_gateway/log/logging.hpp"

using namespace kore_gateway;

int main(int argc, char** argv) {
    const auto env = process_environment();
    const auto cli = parse_cli({argv + 1, argv + argc}, env);
    if (!cli.options) {
        std::cerr << "kore-gateway: " << cli.error << "\n";
        return 2;
    }
    const auto& options = *cli.options;
    if (options.help) {
        std::cout << usage_text();
        return 0;
    }
    if (options.version) {
        std::cout << "kore-gateway " << KORE_GATEWAY_VERSION << "\n";
        return 0;
    }
    if (options.hash_key) {
        const auto hash = hash_key_from(std::cin);
        if (!hash) {
            std::cerr << "kore-gateway: --hash-key: the key read on stdin is empty\n";
            return 1;
        }
        std::cout << *hash << "\n";
        return 0;
    }
    std::optional<demo_upstreams> demo;
    gateway_config config;
    // Read at start and again by every reload (SIGHUP, POST /admin/reload): the file, the
    // environment and every *_FILE secret.
    config_source read_config;
    try {
        if (options.demo) {
            demo.emplace();
        }
        // The demo needs no file: without --config or GATEWAY_CONFIG it runs on the built-in
        // defaults, from whatever directory it is started in; its identity provider stands in
        // for JWT settings the environment leaves unset.
        read_config = [&options, &demo, config_env = demo ? with_demo_identity(env, *demo) : env] {
            auto loaded = demo && !options.config_given
                              ? load_config_from_text("{}", config_env)
                              : load_config(options.config_path, config_env);
            return demo ? with_demo_upstreams(std::move(loaded), *demo) : loaded;
        };
        config = read_config();
    } catch (const config_error& e) {
        std::cerr << "kore-gateway: invalid configuration: " << e.what() << "\n";
        return 1;
    }
    if (options.check_config) {
        std::cout << "kore-gateway: configuration " << options.config_path << " is valid\n";
        return 0;
    }
    setup_logging(config.log_level, config.log_format);
    try {
        if (demo) {
            spdlog::info("{}", demo_startup_line(config, *demo));
        }
        gateway_app app(std::move(config), demo ? demo->ca_pem() : std::string{}, read_config);
        app.stop_on_signals();
        app.start();
        app.wait();
    } catch (const boost::system::system_error& e) {
        // Its what() carries a source path of the machine Boost was built on: the code's message
        // is what the operator can act on.
        spdlog::error("kore-gateway: cannot start: {}", e.code().message());
        return 1;
    } catch (const std::exception& e) {
        spdlog::error("kore-gateway: cannot start: {}", e.what());
        return 1;
    }
    spdlog::info("kore-gateway stopped");
    return 0;
}
