# SPDX-License-Identifier: Apache-2.0
# Build-time script (cmake -P): turns the hand-written RTL files listed in LIST (one absolute path per line)
# into OUT, a C++ source defining bfp::embedded_rtl() (gen/rtl_embed.h). Files are stored as byte arrays, so
# any content survives unchanged.
if(NOT DEFINED LIST OR NOT DEFINED OUT)
  message(FATAL_ERROR "usage: cmake -DLIST=<file list> -DOUT=<output .cpp> -P embed_rtl.cmake")
endif()

file(STRINGS "${LIST}" _files)
list(SORT _files)

# CMake regexes have no {n}: spell out the pattern of one 16-byte line.
set(_line_of_16 "")
foreach(_i RANGE 1 16)
  string(APPEND _line_of_16 "0x[0-9a-f][0-9a-f],")
endforeach()

set(_arrays "")
set(_table "")
set(_index 0)
foreach(_file IN LISTS _files)
  if(_file STREQUAL "")
    continue()
  endif()
  get_filename_component(_name "${_file}" NAME)
  file(READ "${_file}" _hex HEX)
  string(LENGTH "${_hex}" _hex_len)
  math(EXPR _size "${_hex_len} / 2")
  if(_size EQUAL 0)
    set(_bytes "0")  # an empty array is ill-formed C++; size 0 is recorded separately
  else()
    string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," _bytes "${_hex}")
    string(REGEX REPLACE "(${_line_of_16})" "\\1\n    " _bytes "${_bytes}")  # 16 bytes per line
  endif()
  string(APPEND _arrays "// rtl/${_name}\nconst unsigned char kFile${_index}[] = {\n    ${_bytes}};\n")
  string(APPEND _table "    {\"${_name}\", kFile${_index}, ${_size}},\n")
  math(EXPR _index "${_index} + 1")
endforeach()

if(_index EQUAL 0)
  set(_body "const std::vector<EmbeddedFile>& embedded_rtl() {\n  static const std::vector<EmbeddedFile> files;\n  return files;\n}\n")
else()
  set(_body "const std::vector<EmbeddedFile>& embedded_rtl() {\n  static const std::vector<EmbeddedFile> files = {\n${_table}  };\n  return files;\n}\n")
endif()

set(_text "// Generated at build time by gen/embed_rtl.cmake from rtl/*.sv -- do not edit.\n#include \"gen/rtl_embed.h\"\n\nnamespace bfp {\nnamespace {\n\n${_arrays}\n}  // namespace\n\n${_body}\n}  // namespace bfp\n")
file(WRITE "${OUT}" "${_text}")
