#include "kore_gateway/http/http_date.hpp"

#include <regex>

#include <gtest/gtest.h>

namespace kore_gateway {
namespace {

TEST(http_date, formats_an_imf_fixdate) {
    EXPECT_EQ(format_http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
    EXPECT_EQ(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST(http_date, now_is_the_current_second) {
    const auto before = std::time(nullptr);
    const std::string now{http_date_now()};
    const auto after = std::time(nullptr);
    EXPECT_TRUE(now == format_http_date(before) || now == format_http_date(after)) << now;
    EXPECT_TRUE(std::regex_match(
        now,
        std::regex(
            R"((Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT)")));
}

} // namespace
} // namespace kore_gateway
