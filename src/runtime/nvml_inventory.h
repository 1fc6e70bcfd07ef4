#pragma once
// The host's real NVIDIA GPUs, read through NVML. libnvidia-ml is loaded with dlopen at run time
// and never linked, so fastgpud starts (and simulates) on hosts without the NVIDIA driver.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/gpu_inventory.h"

namespace fastgpu {

/// The NVML library fastgpud loads by default.
inline constexpr std::string_view kNvmlLibrary = "libnvidia-ml.so.1";

/// Maps an NVML device name ("NVIDIA H100 80GB HBM3", "NVIDIA A100-SXM4-80GB", "Tesla T4") to a
/// model of core's spec table. `memory_bytes` (the device's total) tells apart variants whose
/// name does not (an A100 or V100 without its size in the name). Returns nullopt for a GPU
/// whose figures differ from every table entry (e.g. "NVIDIA H100 NVL", "NVIDIA A10G").
std::optional<GpuModelId> model_from_nvml_name(std::string_view nvml_name, int64_t memory_bytes);

/// GPUs seen through NVML. Safe to call from several threads (NVML itself is thread-safe and
/// the object is not changed after open()).
class NvmlInventory : public GpuInventory {
 public:
  /// Loads `library` with dlopen, binds the NVML entry points and initialises NVML. When the
  /// library is absent, lacks an entry point, or nvmlInit fails (no driver, no GPU), returns
  /// kFailedPrecondition with a message that starts "NVML not available" and says why; the
  /// caller then falls back to a simulated inventory.
  static Status open(std::unique_ptr<NvmlInventory>* out, std::string_view library = kNvmlLibrary);

  /// Shuts NVML down and unloads the library.
  ~NvmlInventory() override;
  NvmlInventory(const NvmlInventory&) = delete;
  NvmlInventory& operator=(const NvmlInventory&) = delete;

  Status discover(std::vector<GpuDevice>* out) override;
  Status sample(std::vector<GpuUsage>* out) override;
  std::string_view source() const override { return "nvml"; }

 private:
  struct Api;
  explicit NvmlInventory(std::unique_ptr<Api> api);
  Status read_device(uint32_t index, GpuDevice* out) const;
  Status read_usage(uint32_t index, GpuUsage* out) const;

  std::unique_ptr<Api> api_;
};

}  // namespace fastgpu
