#include "kore_gateway/mock/fake_http.hpp"

#include <algorithm>

namespace kore_gateway {
namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

} // namespace

mock_reply json_reply(unsigned status, const fake_json& body) {
    mock_reply reply;
    reply.status = status;
    reply.body = body.dump();
    return reply;
}

mock_reply method_not_allowed(mock_reply reply, std::string_view allowed) {
    reply.headers.emplace_back("Allow", std::string(allowed));
    return reply;
}

std::optional<std::string> form_decode(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '+') {
            out += ' ';
        } else if (text[i] != '%') {
            out += text[i];
        } else if (i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 &&
                   hex_digit(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]));
            i += 2;
        } else {
            return std::nullopt;
        }
    }
    return out;
}

std::optional<std::map<std::string, std::string>> parse_form(std::string_view text) {
    std::map<std::string, std::string> fields;
    while (!text.empty()) {
        const auto amp = text.find('&');
        const auto pair = text.substr(0, amp);
        text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
        if (pair.empty()) {
            continue;
        }
        const auto eq = pair.find('=');
        auto name = form_decode(pair.substr(0, eq));
        auto value =
            form_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
        if (!name || !value) {
            return std::nullopt;
        }
        fields[*name] = *value;
    }
    return fields;
}

std::string form_field(const std::map<std::string, std::string>& form, const std::string& name) {
    const auto it = form.find(name);
    return it == form.end() ? std::string() : it->second;
}

std::optional<std::map<std::string, std::string>> query_of(const recorded_request& req) {
    const auto mark = req.target.find('?');
    if (mark == std::string::npos) {
        return std::map<std::string, std::string>{};
    }
    return parse_form(std::string_view(req.target).substr(mark + 1));
}

std::string query_value(const recorded_request& req, const std::string& name) {
    const auto fields = query_of(req);
    return fields ? form_field(*fields, name) : std::string();
}

std::vector<std::string_view> path_segments(std::string_view path) {
    std::vector<std::string_view> segments;
    while (!path.empty()) {
        path.remove_prefix(path.front() == '/' ? 1 : 0);
        const auto end = std::min(path.find('/'), path.size());
        segments.push_back(path.substr(0, end));
        path.remove_prefix(end);
    }
    return segments;
}

std::string bearer_token(const recorded_request& req) {
    constexpr std::string_view scheme = "Bearer ";
    const auto value = req.header("authorization");
    return value.starts_with(scheme) ? value.substr(scheme.size()) : std::string();
}

} // namespace kore_gateway
