#pragma once
// Wall-clock time as the records keep it.

#include <chrono>
#include <cstdint>

namespace fastgpu {

/// Microseconds since the Unix epoch, now.
inline int64_t wall_clock_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace fastgpu
