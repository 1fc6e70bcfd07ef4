#pragma once
// CLOCK_MONOTONIC in nanoseconds: one timeline for every process on the host, which the shared
// compute budget and the device board rely on.
#include <time.h>

#include <cstdint>

namespace fastgpu::vgpu {

inline int64_t monotonic_now_ns() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

}  // namespace fastgpu::vgpu
