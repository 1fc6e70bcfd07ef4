#pragma once
// printf-style formatting into a std::string, for the simulator's reports.

#include <cstdio>
#include <string>

namespace fastgpu {

/// `fmt` filled with `args` as snprintf does; the result is cut at 255 characters.
inline std::string format(const char* fmt, auto... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

}  // namespace fastgpu
