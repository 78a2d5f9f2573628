# Boost 1.81's basic_parser::parse_chunk_header asserts `n >= 5` when it resumes after the last
# chunk, but 3 bytes ("0\r\n") are enough when no chunk came before it: a client sending an empty
# chunked body a byte at a time aborts any build with assertions on (found by fuzz_request).
# Fixed upstream in 2024 (boostorg/beast#2861) with the assertion below. Until Debian ships
# that, the one line is corrected in a copy of the header that shadows the system one; the rest of
# the file is Boost's own. Nothing is copied when the installed Boost no longer has the line.
set(_beast_ipp boost/beast/http/impl/basic_parser.ipp)
set(_wrong_assert "BOOST_ASSERT(n >= 5);")
set(_upstream_assert "BOOST_ASSERT((f_ & flagExpectCRLF) ? n >= 5 : n >= 3);")
find_file(_beast_parser_ipp ${_beast_ipp} HINTS ${Boost_INCLUDE_DIRS})
if(_beast_parser_ipp)
  file(READ ${_beast_parser_ipp} _text)
  string(FIND "${_text}" "${_wrong_assert}" _at)
  if(NOT _at EQUAL -1)
    string(REPLACE "${_wrong_assert}" "${_upstream_assert}" _text "${_text}")
    set(KORE_BOOST_PATCH_DIR ${CMAKE_BINARY_DIR}/boost_patched)
    file(WRITE ${KORE_BOOST_PATCH_DIR}/${_beast_ipp} "${_text}")
    message(STATUS "Beast chunk header assertion corrected (boostorg/beast#2861)")
  endif()
endif()
