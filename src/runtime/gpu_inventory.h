#pragma once
// The GPUs of this host: what they are (discover) and how busy they are (sample).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/gpu_model.h"
#include "core/status.h"

namespace fastgpu {

inline constexpr int64_t kBytesPerMib = int64_t{1} << 20;
inline constexpr int64_t kBytesPerGib = int64_t{1} << 30;

/// One GPU of the host as the inventory sees it.
struct GpuDevice {
  int32_t index = 0;  // dense from 0, in the order the driver (or the spec) lists them
  std::string uuid;   // "GPU-..."; what CUDA_VISIBLE_DEVICES takes
  /// Core's model name (gpu_model.h) when the model is known, else the driver's name.
  std::string model;
  std::optional<GpuModelId> model_id;  // set exactly when `model` is in core's spec table
  int64_t milli_tflops = 0;            // dense FP16/BF16 throughput; 0 when unknown
  int64_t memory_bytes = 0;            // total device memory
  int64_t memory_used_bytes = 0;       // at the last discover() or sample()
  int32_t sm_count = 0;                // streaming multiprocessors; 0 when unknown
  int32_t utilization_percent = 0;     // 0..100, at the last discover() or sample()
  bool simulated = false;              // true when no real device stands behind the record
  /// Its device node (/dev/nvidia<minor>), which only its tasks may open; empty: none known.
  std::string device_node;
};

/// The changing part of a GpuDevice, as sample() reads it.
struct GpuUsage {
  int32_t index = 0;
  int32_t utilization_percent = 0;
  int64_t memory_used_bytes = 0;
};

/// Source of the host's GPUs. Implementations are safe to call from several threads.
class GpuInventory {
 public:
  virtual ~GpuInventory() = default;

  /// Replaces *out with every GPU of the host, with current usage. The set of GPUs does not
  /// change during the life of the object. On error *out is left empty.
  virtual Status discover(std::vector<GpuDevice>* out) = 0;

  /// Replaces *out with the current usage of every GPU, ordered by index. Meant to be called
  /// about once a second. On error *out is left empty.
  virtual Status sample(std::vector<GpuUsage>* out) = 0;

  /// Short name of the source, for logs and the API: "nvml" or "simulated".
  virtual std::string_view source() const = 0;
};

}  // namespace fastgpu
