// The regular expressions of the configuration (parameter, query and body schema patterns):
// Boost.Regex with ECMAScript's meaning. Not std::regex: libstdc++'s recurses once per character
// and backtracks without limit, so a long value or a pattern like (a*)*b crashes or stalls an I/O
// thread; Boost's gives up with an exception on a match too long or too complex.
#pragma once

#include <boost/regex.hpp>

namespace kore_gateway {

// ^ and $ anchor the whole string and . stops at line ends, as in ECMAScript (not Boost's Perl
// defaults).
inline constexpr auto ecmascript_regex_flags =
    boost::regex::ECMAScript | boost::regex::no_mod_m | boost::regex::no_mod_s;

} // namespace kore_gateway
