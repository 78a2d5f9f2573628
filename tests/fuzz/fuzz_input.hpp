// Helpers shared by the fuzz targets: feeding bytes to a Beast parser the way a socket would.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

namespace kore_gateway::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// Feeds input to parser in pieces of `step` bytes (0: all at once), keeping the unconsumed bytes
// as a stream's buffer does, then signals end of stream if the message is still incomplete.
// Reading in pieces matters: a parser bug often hides at a boundary between two reads.
template <class Parser>
boost::beast::error_code feed(Parser& parser, std::string_view input, std::size_t step) {
    boost::beast::error_code ec;
    std::string pending;
    std::size_t offset = 0;
    while (!parser.is_done()) {
        if (offset < input.size()) {
            const auto take =
                step == 0 ? input.size() - offset : std::min(step, input.size() - offset);
            pending.append(input.substr(offset, take));
            offset += take;
        } else if (!parser.got_some()) {
            // What Beast's stream algorithms report for a connection closed before any byte;
            // put_eof requires got_some().
            return boost::beast::http::error::end_of_stream;
        } else {
            parser.put_eof(ec);
            return ec;
        }
        while (!pending.empty() && !parser.is_done()) {
            const auto used = parser.put(boost::asio::buffer(pending), ec);
            pending.erase(0, used);
            if (ec == boost::beast::http::error::need_more) {
                ec = {};
                break;
            }
            if (ec) {
                return ec;
            }
            if (used == 0) {
                break;
            }
        }
    }
    return ec;
}

} // namespace kore_gateway::fuzz
