// Helpers shared by the tests of the fake upstreams: token requests and JSON answers.
#pragma once

#include <initializer_list>
#include <string>
#include <utility>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kore_gateway/mock/fake_upstreams.hpp"
#include "support/test_client.hpp"

namespace kore_gateway::testing {

inline constexpr const char* form_type = "application/x-www-form-urlencoded";

// A POST to base_url's /connect/token; with an Authorization header when authorization is set.
inline test_response post_form(const std::string& base_url, std::string body,
                               std::string content_type = form_type,
                               std::string authorization = {}) {
    test_headers headers{{"Content-Type", content_type}};
    if (!authorization.empty()) {
        headers.emplace("Authorization", std::move(authorization));
    }
    return fetch(base_url, http::verb::post, "/connect/token", std::move(headers), std::move(body));
}

// object has exactly these members.
inline void expect_fields(const nlohmann::json& object, std::initializer_list<const char*> names) {
    ASSERT_TRUE(object.is_object()) << object.dump();
    for (const char* name : names) {
        EXPECT_TRUE(object.contains(name)) << name << " missing in " << object.dump();
    }
    EXPECT_EQ(object.size(), names.size()) << object.dump();
}

// The access_token auth issues for a form (and Authorization header); empty when refused.
inline std::string obtain_token(fake_auth& auth, const std::string& form,
                                std::string authorization = {}) {
    auto body = body_json(post_form(auth.base_url(), form, form_type, std::move(authorization)));
    return body.value("access_token", "");
}

} // namespace kore_gateway::testing
