// Character classes of the syntaxes the gateway checks (path parameters, request ids, host
// names, tokens, form encoding): ASCII only, whatever the process locale.
#pragma once

namespace kore_gateway {

constexpr bool is_ascii_alnum(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

} // namespace kore_gateway
