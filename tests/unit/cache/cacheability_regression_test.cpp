// Inputs found by the fuzzers (tests/fuzz) that once broke the cache's HTTP rules; each must keep
// working. Run under AddressSanitizer (scripts/sanitize.sh) they also prove no out-of-bounds read.
#include <cstring>
#include <memory>
#include <string_view>

#include <gtest/gtest.h>

#include "kore_gateway/cache/cacheability.hpp"

namespace kore_gateway {
namespace {

// A view whose last byte is the last byte of its heap block, as a fuzzer's input is: any read
// past the end is caught by ASan instead of landing on a string's terminating NUL.
class exact_buffer {
public:
    explicit exact_buffer(std::string_view text)
        : size_(text.size()), bytes_(std::make_unique<char[]>(text.size())) {
        std::memcpy(bytes_.get(), text.data(), text.size());
    }
    std::string_view view() const { return {bytes_.get(), size_}; }

private:
    std::size_t size_;
    std::unique_ptr<char[]> bytes_;
};

// fuzz_cache_key: a Cache-Control value ending in a directive that differs from `private` only in
// case made beast::iequals (Boost 1.81) read one byte past the value's end.
TEST(cacheability_regression, directive_in_other_case_at_the_very_end_is_read_in_bounds) {
    const exact_buffer value(R"(1a&&aari, n-", PRI, PRIVATE)");
    EXPECT_FALSE(is_storable(200, value.view()));
    const exact_buffer no_store("max-age=60, No-Store");
    EXPECT_FALSE(is_storable(200, no_store.view()));
    const exact_buffer public_only("PUBLIC");
    EXPECT_TRUE(is_storable(200, public_only.view()));
}

} // namespace
} // namespace kore_gateway
