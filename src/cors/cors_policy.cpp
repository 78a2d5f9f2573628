#include "kore_gateway/cors/cors_policy.hpp"

namespace kore_gateway {
namespace {

// What a browser may send and read; never Access-Control-Allow-Credentials (secrets stay here).
// traceparent and tracestate let a traced front-end continue its trace (section 15); with client
// authentication on, a page sends its key or token and reads the challenge (section 17).
constexpr std::string_view allowed_headers =
    "Content-Type, X-Request-Id, If-None-Match, traceparent, tracestate";
constexpr std::string_view allowed_headers_with_auth =
    "Content-Type, X-Request-Id, If-None-Match, traceparent, tracestate, Authorization";
constexpr std::string_view exposed_headers = "X-Cache, X-Request-Id, Age, ETag";
constexpr std::string_view exposed_headers_with_auth =
    "X-Cache, X-Request-Id, Age, ETag, WWW-Authenticate";
constexpr std::string_view preflight_max_age = "600";

} // namespace

cors_policy::cors_policy(const std::vector<std::string>& origins, bool client_auth)
    : any_origin_(origins.size() == 1 && origins.front() == "*"),
      origins_(origins.begin(), origins.end()),
      allowed_headers_(client_auth ? allowed_headers_with_auth : allowed_headers),
      exposed_headers_(client_auth ? exposed_headers_with_auth : exposed_headers) {}

cors_policy::verdict cors_policy::check(std::string_view origin) const {
    if (origin.empty()) {
        return verdict::no_origin;
    }
    return any_origin_ || origins_.contains(std::string(origin)) ? verdict::allowed
                                                                 : verdict::denied;
}

void cors_policy::answer_preflight(response& res, std::string_view origin,
                                   std::string_view methods) const {
    decorate(res, origin);
    res.set(http::field::access_control_allow_methods, methods);
    res.set(http::field::access_control_allow_headers, allowed_headers_);
    res.set(http::field::access_control_max_age, preflight_max_age);
}

void cors_policy::decorate(response& res, std::string_view origin) const {
    if (!any_origin_) {
        res.set(http::field::vary, "Origin");
    }
    if (check(origin) != verdict::allowed) {
        return;
    }
    res.set(http::field::access_control_allow_origin, any_origin_ ? std::string_view("*") : origin);
    res.set(http::field::access_control_expose_headers, exposed_headers_);
}

bool is_preflight(const request& req) {
    return req.method() == http::verb::options && req.count(http::field::origin) > 0 &&
           req.count(http::field::access_control_request_method) > 0;
}

} // namespace kore_gateway
