#include "kore_gateway/http/request_framing.hpp"

#include <vector>

#include <boost/url/parse.hpp>

#include "kore_gateway/util/ascii.hpp"

namespace kore_gateway {
namespace {

header_fault bad_request(std::string message) {
    return {http::status::bad_request, std::move(message)};
}

// Every coding of every Transfer-Encoding line, in order; nullopt when a line is not a valid
// comma-separated token list (RFC 9110 section 5.6.1).
std::optional<std::vector<std::string_view>> transfer_codings(const http::request_header<>& h) {
    std::vector<std::string_view> codings;
    for (auto [it, end] = h.equal_range(http::field::transfer_encoding); it != end; ++it) {
        const http::opt_token_list list{it->value()};
        if (!http::validate_list(list)) {
            return std::nullopt;
        }
        const auto before = codings.size();
        for (const auto coding : list) {
            codings.push_back(coding);
        }
        if (codings.size() == before) {
            return std::nullopt; // an empty line names no coding
        }
    }
    return codings;
}

std::optional<header_fault> check_transfer_encoding(const http::request_header<>& header,
                                                    bool has_content_length) {
    if (header.version() < 11) {
        // RFC 9112 section 6.1: HTTP/1.0 has no transfer codings; the framing is faulty.
        return bad_request("Transfer-Encoding is not allowed in an HTTP/1.0 request");
    }
    if (has_content_length) {
        return bad_request("a request must not have both Transfer-Encoding and Content-Length");
    }
    const auto codings = transfer_codings(header);
    if (!codings) {
        return bad_request("Transfer-Encoding is not a list of transfer codings");
    }
    const auto is_chunked = [](std::string_view coding) {
        return iequals_ascii(coding, "chunked");
    };
    if (!is_chunked(codings->back())) {
        return bad_request("Transfer-Encoding must end with chunked");
    }
    for (std::size_t i = 0; i + 1 < codings->size(); ++i) {
        if (is_chunked((*codings)[i])) {
            return bad_request("Transfer-Encoding must name chunked only once");
        }
    }
    if (codings->size() > 1) {
        return header_fault{http::status::not_implemented,
                            "only the chunked transfer coding is implemented"};
    }
    return std::nullopt;
}

} // namespace

std::optional<header_fault> check_request_header(const http::request_header<>& header) {
    // One walk over the fields (a request has a handful) instead of a lookup per header name:
    // this runs on every request.
    std::size_t hosts = 0;
    bool has_transfer_encoding = false;
    std::optional<std::string_view> content_length;
    for (const auto& field : header) {
        switch (field.name()) {
        case http::field::host:
            ++hosts;
            break;
        case http::field::transfer_encoding:
            has_transfer_encoding = true;
            break;
        case http::field::content_length:
            if (content_length && *content_length != field.value()) {
                return bad_request("Content-Length values disagree");
            }
            content_length = field.value();
            break;
        default:
            break;
        }
    }
    if (has_transfer_encoding) {
        if (auto fault = check_transfer_encoding(header, content_length.has_value())) {
            return fault;
        }
    }
    // RFC 9112 section 3.2: exactly one Host in HTTP/1.1, whatever the form of the target.
    if (header.version() >= 11 && hosts != 1) {
        return bad_request(hosts == 0 ? "an HTTP/1.1 request needs a Host header"
                                      : "a request must have only one Host header");
    }
    return std::nullopt;
}

std::optional<std::string> origin_form(std::string_view target) {
    if (target.empty() || target.front() == '/') {
        return std::nullopt;
    }
    // Its own NUL-terminated copy: Boost.URL 1.81 reads a view up to a NUL, past its size.
    const std::string target_text(target);
    const auto parsed = boost::urls::parse_absolute_uri(target_text);
    if (!parsed) {
        return std::nullopt;
    }
    std::string origin{parsed->encoded_path()};
    if (origin.empty() || origin.front() != '/') {
        origin.insert(0, 1, '/');
    }
    if (parsed->has_query()) {
        origin += '?';
        origin += parsed->encoded_query();
    }
    return origin;
}

std::string_view origin_in_raw_header(std::string_view bytes) {
    constexpr std::string_view name = "origin:";
    std::string_view found;
    bool first_line = true;
    while (!bytes.empty()) {
        const auto end = bytes.find('\n');
        auto line = bytes.substr(0, end);
        bytes = end == std::string_view::npos ? std::string_view() : bytes.substr(end + 1);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (line.empty() && !first_line) {
            break; // the end of the header
        }
        first_line = false;
        if (line.size() < name.size() || !iequals_ascii(line.substr(0, name.size()), name)) {
            continue;
        }
        if (!found.empty()) {
            return {}; // two Origin lines: neither is the origin
        }
        found = trim_ows(line.substr(name.size()));
    }
    return found;
}

bool expects_continue(const http::request_header<>& header) {
    return header.version() >= 11 && iequals_ascii(header[http::field::expect], "100-continue");
}

} // namespace kore_gateway
