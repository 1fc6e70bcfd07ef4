#pragma once
// The GPU model spec table: model name -> memory, dense FP16/BF16 TFLOPS, SM count.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/units.h"

namespace fastgpu {

/// Index of a model in gpu_model_specs().
using GpuModelId = uint8_t;
/// Set of GPU models: bit i stands for the model with id i.
using GpuModelMask = uint64_t;
/// The mask a task without a model constraint carries.
inline constexpr GpuModelMask kAnyGpuModel = ~GpuModelMask{0};

/// Static facts about one GPU model. Throughput is dense FP16/BF16 tensor throughput.
struct GpuModelSpec {
  std::string_view name;
  MemoryMib memory_mib;
  int64_t milli_tflops;  // thousandths of a TFLOPS, so the table stays integral
  int32_t sm_count;
  bool declared;  // true for undisclosed models (the trace's G1-G3): capacities we declared
};

/// Every known model, indexed by GpuModelId: the fixed table, then the custom models registered
/// at run time. Stable order: ids never change meaning.
std::span<const GpuModelSpec> gpu_model_specs();

/// Most models the table may hold, fixed and custom together (a GpuModelMask has 64 bits).
inline constexpr size_t kMaxGpuModels = 64;

/// Adds a model known only by its figures (a simulated "40tflops" GPU, or a real GPU missing from
/// the fixed table) and returns its id; registering a name already present returns that model's
/// id when the figures match. nullopt when the name is taken with other figures, the figures
/// are not positive, or the table is full. Thread-safe against other registrations; it must
/// happen before other threads read the table (daemon start-up), since readers do not lock.
std::optional<GpuModelId> register_custom_gpu_model(std::string_view name, MemoryMib memory_mib,
                                                    int64_t milli_tflops, int32_t sm_count);

/// The id of the model called `name` (exact, case-sensitive), or nullopt when unknown.
std::optional<GpuModelId> find_gpu_model(std::string_view name);

/// The spec of a valid id. Precondition: id < gpu_model_specs().size().
const GpuModelSpec& gpu_model_spec(GpuModelId id);

/// The GPU memory a share of `share` milli-GPU of model `id` is held to, and reserves, when it
/// names none: that share of the model's memory.
inline MemoryMib memory_of_share(GpuModelId id, MilliGpu share) {
  return gpu_model_spec(id).memory_mib * share / kMilliPerGpu;
}

/// The mask holding only `id`.
constexpr GpuModelMask model_bit(GpuModelId id) { return GpuModelMask{1} << id; }

/// Converts a compute request in milli-TFLOPS to milli-GPU of `model`, rounding up so the slice
/// never holds less than was asked. Returns nullopt when the request exceeds one whole GPU or
/// is not positive.
std::optional<MilliGpu> milli_tflops_to_milli_gpu(int64_t milli_tflops, GpuModelId model);

/// milli-TFLOPS as TFLOPS for messages: "20", "12.5".
std::string format_tflops(int64_t milli_tflops);

}  // namespace fastgpu
