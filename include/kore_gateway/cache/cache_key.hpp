// The identity of a cached upstream answer: which upstream, which request.
#pragma once

#include <string>
#include <string_view>

namespace kore_gateway {

// Joins upstream, method, path and the normalised query (without its leading '?') with '\n',
// which cannot occur in any of them (Beast rejects it in a request target). The query's
// parameters are sorted by name, then by value, and empty ones dropped, so that `b=2&a=1` and
// `a=1&b=2` share one entry. Duplicates are kept: `a=1&a=1` may mean something else upstream.
std::string make_cache_key(std::string_view upstream, std::string_view method,
                           std::string_view path, std::string_view query);

} // namespace kore_gateway
