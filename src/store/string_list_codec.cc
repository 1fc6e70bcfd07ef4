#include "store/string_list_codec.h"

#include <cstdint>

namespace fastgpu {
namespace {

constexpr size_t kLengthBytes = 4;

void append_length(uint32_t n, std::string* out) {
  for (size_t i = 0; i < kLengthBytes; ++i)
    out->push_back(static_cast<char>((n >> (8 * i)) & 0xff));
}

uint32_t read_length(std::string_view bytes) {
  uint32_t n = 0;
  for (size_t i = 0; i < kLengthBytes; ++i) {
    n |= uint32_t{static_cast<unsigned char>(bytes[i])} << (8 * i);
  }
  return n;
}

}  // namespace

std::string encode_string_list(const std::vector<std::string>& strings) {
  std::string out;
  for (const std::string& s : strings) {
    append_length(static_cast<uint32_t>(s.size()), &out);
    out += s;
  }
  return out;
}

bool decode_string_list(std::string_view bytes, std::vector<std::string>* strings) {
  strings->clear();
  while (!bytes.empty()) {
    if (bytes.size() < kLengthBytes) return false;
    const uint32_t n = read_length(bytes);
    bytes.remove_prefix(kLengthBytes);
    if (bytes.size() < n) return false;
    strings->emplace_back(bytes.substr(0, n));
    bytes.remove_prefix(n);
  }
  return true;
}

}  // namespace fastgpu
