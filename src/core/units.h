#pragma once
// Integer units of the resource model. The ledger never uses floating point.

#include <cstdint>

namespace fastgpu {

/// Share of one GPU in thousandths: 0 (nothing) .. 1000 (the whole GPU), as in the public traces.
using MilliGpu = int32_t;
inline constexpr MilliGpu kMilliPerGpu = 1000;

/// CPU in thousandths of a core.
using MilliCpu = int64_t;
/// Memory in MiB (host memory and GPU memory alike).
using MemoryMib = int64_t;

/// Most GPUs one node may have; a node's GPUs are addressed by a bit mask of this width.
inline constexpr int kMaxGpusPerNode = 16;
using GpuMask = uint32_t;

}  // namespace fastgpu
