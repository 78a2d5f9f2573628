// Asio, Asio-SSL and Beast compiled once for the whole program (see the *_SEPARATE_COMPILATION
// definitions in CMakeLists.txt): every other translation unit only includes their headers.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
