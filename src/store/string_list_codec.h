#pragma once
// A compact, self-delimiting encoding of a list of strings (a command's argv or environment)
// into one byte string, for storing in a single column.

#include <string>
#include <string_view>
#include <vector>

namespace fastgpu {

/// Each string as a 4-byte little-endian length followed by its bytes. Any bytes are allowed.
std::string encode_string_list(const std::vector<std::string>& strings);

/// Inverse of encode_string_list(). Returns false (and leaves *strings unspecified) when
/// `bytes` is not a valid encoding, e.g. truncated.
bool decode_string_list(std::string_view bytes, std::vector<std::string>* strings);

}  // namespace fastgpu
