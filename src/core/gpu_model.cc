#include "core/gpu_model.h"

#include <array>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace fastgpu {
namespace {

// Vendor figures: memory as reported by the driver, dense (non-sparse) FP16/BF16 tensor TFLOPS.
// G1-G3 are the trace's undisclosed models: the capacities below are our declaration.
constexpr std::array kSpecs = {
    GpuModelSpec{"P100", 16384, 18'700, 56, false},
    GpuModelSpec{"V100M16", 16384, 125'000, 80, false},
    GpuModelSpec{"V100M32", 32768, 125'000, 80, false},
    GpuModelSpec{"T4", 15360, 65'000, 40, false},
    GpuModelSpec{"A10", 23028, 125'000, 72, false},
    GpuModelSpec{"G1", 16384, 65'000, 40, true},
    GpuModelSpec{"G2", 32768, 125'000, 80, true},
    GpuModelSpec{"G3", 32768, 125'000, 80, true},
    GpuModelSpec{"A100-40GB", 40960, 312'000, 108, false},
    GpuModelSpec{"A100-80GB", 81920, 312'000, 108, false},
    GpuModelSpec{"H100", 81559, 989'000, 132, false},
    GpuModelSpec{"H100-PCIe", 81559, 756'000, 114, false},
    GpuModelSpec{"H200", 143771, 989'000, 132, false},
    GpuModelSpec{"B200", 183359, 2'250'000, 148, false},
    GpuModelSpec{"L4", 23034, 121'000, 58, false},
    GpuModelSpec{"L40S", 46068, 362'000, 142, false},
    GpuModelSpec{"A30", 24576, 165'000, 56, false},
    GpuModelSpec{"A40", 46068, 150'000, 84, false},
};
static_assert(kSpecs.size() <= kMaxGpuModels, "GpuModelMask holds at most 64 models");

// The fixed table followed by custom models. Capacity is reserved up front so registering never
// moves the specs that readers hold; custom names live in a deque, which never moves them either.
struct ModelTable {
  std::mutex mu;  // serialises registrations
  std::vector<GpuModelSpec> specs;
  std::deque<std::string> custom_names;
  ModelTable() {
    specs.reserve(kMaxGpuModels);
    specs.assign(kSpecs.begin(), kSpecs.end());
  }
};

ModelTable& model_table() {
  static ModelTable table;
  return table;
}

}  // namespace

std::span<const GpuModelSpec> gpu_model_specs() { return model_table().specs; }

std::optional<GpuModelId> find_gpu_model(std::string_view name) {
  const std::vector<GpuModelSpec>& specs = model_table().specs;
  for (size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].name == name) return static_cast<GpuModelId>(i);
  }
  return std::nullopt;
}

const GpuModelSpec& gpu_model_spec(GpuModelId id) { return model_table().specs[id]; }

std::optional<GpuModelId> register_custom_gpu_model(std::string_view name, MemoryMib memory_mib,
                                                    int64_t milli_tflops, int32_t sm_count) {
  if (name.empty() || memory_mib <= 0 || milli_tflops <= 0 || sm_count < 0) return std::nullopt;
  ModelTable& table = model_table();
  std::lock_guard lock(table.mu);
  if (std::optional<GpuModelId> id = find_gpu_model(name)) {
    const GpuModelSpec& known = table.specs[*id];
    const bool same = known.memory_mib == memory_mib && known.milli_tflops == milli_tflops;
    return same ? id : std::nullopt;
  }
  if (table.specs.size() >= kMaxGpuModels) return std::nullopt;
  const std::string& stored = table.custom_names.emplace_back(name);
  table.specs.push_back(GpuModelSpec{stored, memory_mib, milli_tflops, sm_count, true});
  return static_cast<GpuModelId>(table.specs.size() - 1);
}

std::optional<MilliGpu> milli_tflops_to_milli_gpu(int64_t milli_tflops, GpuModelId model) {
  const int64_t capacity = gpu_model_spec(model).milli_tflops;
  if (milli_tflops <= 0 || milli_tflops > capacity) return std::nullopt;
  return static_cast<MilliGpu>((milli_tflops * kMilliPerGpu + capacity - 1) / capacity);
}

std::string format_tflops(int64_t milli_tflops) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", static_cast<double>(milli_tflops) / 1000);
  return text;
}

}  // namespace fastgpu
