// Whether a text is one well-formed JSON value, answered without building anything.
//
// Why this exists: the forwarder checks every upstream answer body before passing it on (else the
// client gets 502 upstream_invalid_response), and nlohmann::json::accept cost ~8 % of CPU per
// forwarded request in the profile: its lexer copies every string token into a std::string and
// converts every number with strtod, where only a yes/no is needed. This check allocates nothing
// and looks at each byte once (the digits of a number near the double limit twice).
//
// It answers as nlohmann::json::accept (3.11, comments not allowed) does, so that the gateway
// passes on exactly the bodies it passed on before; its quirks are kept on purpose:
// - a UTF-8 byte order mark (EF BB BF) at the very start is skipped; any other text starting
//   with EF is invalid;
// - a NUL byte where the input could end ends it: `{} \0 anything` is valid;
// - a number whose value strtod rounds to infinity (1e999, -1e400, 400 digits) is invalid;
// - strings must be valid UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF) and a
//   \uD800-\uDBFF escape must be followed by a \uDC00-\uDFFF one, which must not come alone.
//
// The one intended difference: nesting deeper than max_json_nesting_depth is invalid here
// (nlohmann has no limit). The open containers are tracked in a fixed bit stack, so that the
// check needs neither the heap nor recursion; no KORE or Catalog answer nests beyond a few levels.
#pragma once

#include <cstddef>
#include <string_view>

namespace kore_gateway {

// Arrays and objects opened and not yet closed at any one point.
inline constexpr std::size_t max_json_nesting_depth = 512;

bool is_valid_json(std::string_view text) noexcept;

} // namespace kore_gateway
