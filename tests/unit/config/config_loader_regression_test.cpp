// Inputs found by the fuzzers (tests/fuzz) that once escaped the config loader as something other
// than a config_error; each must stay a readable start-up error.
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "kore_gateway/config/config_loader.hpp"

namespace kore_gateway {
namespace {

std::optional<std::string> no_environment(const std::string&) {
    return std::nullopt;
}

// fuzz_config: a number literal beyond a double made nlohmann::json throw out_of_range, which
// the loader did not catch; `kore-gateway --check-config` would have died on it.
TEST(config_loader_regression, a_number_beyond_a_double_is_a_config_error) {
    EXPECT_THROW(load_config_from_text("11111111010102e532333256", no_environment), config_error);
    try {
        load_config_from_text(R"({"port": 1e999})", no_environment);
        FAIL() << "accepted";
    } catch (const config_error& e) {
        EXPECT_NE(std::string(e.what()).find("not valid JSON"), std::string::npos) << e.what();
    }
}

} // namespace
} // namespace kore_gateway
