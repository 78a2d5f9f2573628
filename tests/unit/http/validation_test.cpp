#include "kore_gateway/http/validation.hpp"

#include <gtest/gtest.h>

namespace kore_gateway {
namespace {

TEST(customer_query, accepts_a_valid_customer_id) {
    const auto check = check_customer_query("customerId=cust_42", true);
    EXPECT_EQ(check.problem, "");
    EXPECT_EQ(check.customer_id, "cust_42");
}

TEST(customer_query, required_only_where_asked) {
    EXPECT_EQ(check_customer_query("", true).problem, "customerId is required");
    EXPECT_EQ(check_customer_query("", false).problem, "");
    EXPECT_EQ(check_customer_query("", false).customer_id, "");
}

TEST(customer_query, refuses_bad_values_unknown_and_repeated_parameters) {
    for (const char* bad :
         {"customerId=", "customerId", "customerId=a%20b", "customerId=a/b",
          "customerId=a&customerId=b", "other=1", "customerId=a&x=1", "customerid=a"}) {
        EXPECT_NE(check_customer_query(bad, false).problem, "") << bad;
    }
}

TEST(empty_query, refuses_any_parameter) {
    EXPECT_EQ(check_empty_query(""), "");
    EXPECT_NE(check_empty_query("a=1"), "");
}

TEST(price_body, accepts_the_documented_shape) {
    EXPECT_EQ(price_body_problem(R"({"priceDate":"2024-07-18T09:32:49.744Z",
        "formData":[{"elementKey":"seats","elementValue":"5"},{"elementKey":"n","elementValue":3}]})"),
              std::nullopt);
    EXPECT_EQ(price_body_problem(R"({"formData":[]})"), std::nullopt);
}

TEST(price_body, refuses_everything_else) {
    for (const char* bad : {"", "not json", "[]", "42", R"({"formData":{}})", R"({})",
                            R"({"formData":[1]})", R"({"formData":[{"elementValue":"x"}]})",
                            R"({"formData":[{"elementKey":1,"elementValue":"x"}]})",
                            R"({"formData":[{"elementKey":"k"}]})",
                            R"({"formData":[{"elementKey":"k","elementValue":null}]})",
                            R"({"formData":[{"elementKey":"k","elementValue":[1]}]})",
                            R"({"priceDate":5,"formData":[]})", R"({"formData":[]} trailing)"}) {
        EXPECT_NE(price_body_problem(bad), std::nullopt) << bad;
    }
}

} // namespace
} // namespace kore_gateway
