#pragma once
// The API's quantities in integer units: memory in bytes, GPU fractions in milli-GPU, TFLOPS in
// milli-TFLOPS, CPU in milli-cores. Each parser names the field in its error.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/units.h"

namespace fastgpu {

/// Largest memory quantity accepted anywhere: 1 PiB.
inline constexpr int64_t kMaxMemoryBytes = int64_t{1} << 50;
/// Largest TFLOPS accepted for one GPU or slice: 100,000 TFLOPS (in milli-TFLOPS).
inline constexpr int64_t kMaxMilliTflops = int64_t{100'000'000};

/// Reads a memory quantity: an integer count of bytes, or a string "<number><unit>" with unit
/// B, KiB, MiB, GiB, TiB (binary) or KB, MB, GB, TB (decimal). Must be 0..kMaxMemoryBytes.
/// On error returns nullopt and sets *problem to what is wrong (the caller names the field).
std::optional<int64_t> parse_memory_bytes(const nlohmann::json& value, std::string* problem);

/// Bytes to MiB, rounding up so a limit never shrinks.
inline MemoryMib bytes_to_mib_up(int64_t bytes) { return (bytes + (1 << 20) - 1) >> 20; }

/// A fraction of one GPU in (0, 1] as milli-GPU, rounding up to at least 1.
std::optional<MilliGpu> fraction_to_milli_gpu(double fraction);

/// A positive TFLOPS figure (up to kMaxMilliTflops) as milli-TFLOPS, rounding to the nearest and
/// to at least 1.
std::optional<int64_t> tflops_to_milli(double tflops);

/// Positive seconds (at most a year) as milliseconds, rounding to the nearest and to at least 1.
std::optional<int64_t> seconds_to_ms(double seconds);

}  // namespace fastgpu
