// Asio, Asio-SSL, Beast and Boost.URL compiled once for the whole program (see the
// *_SEPARATE_COMPILATION definitions in CMakeLists.txt): every other translation unit only
// includes their headers.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
#include <boost/url/src.hpp>
