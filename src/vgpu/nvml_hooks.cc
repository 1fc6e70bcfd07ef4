#include "vgpu/nvml_hooks.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "vgpu/hook_support.h"

namespace fastgpu::vgpu {
namespace {

// The NVML types used, declared from the public NVML API reference (nvml.h is not needed).
using nvmlReturn_t = int;
using nvmlDevice_t = struct nvmlDevice_st*;
struct nvmlMemory_t {
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
};
struct nvmlMemory_v2_t {
  unsigned int version;
  unsigned long long total;
  unsigned long long reserved;
  unsigned long long free;
  unsigned long long used;
};
constexpr nvmlReturn_t kNvmlSuccess = 0;
constexpr nvmlReturn_t kNvmlErrorUninitialized = 1;

// Resolves `symbol` in the real NVML (opened on first use).
void* real_nvml(const char* symbol) {
  static void* const library = [] {
    return dlopen(Shim::get().config().nvml_path.c_str(), RTLD_NOW | RTLD_GLOBAL);
  }();
  return library == nullptr ? nullptr : real_dlsym(library, symbol);
}

// Rewrites total/free/used to the vGPU's limit and use.
template <typename Memory>
void apply_vgpu_view(Memory* memory) {
  VgpuLedger* ledger = Shim::get().memory_ledger();
  if (ledger == nullptr || memory == nullptr) return;
  const unsigned long long limit =
      std::min<unsigned long long>(memory->total, ledger->memory_limit());
  const unsigned long long used = std::min<unsigned long long>(ledger->memory_used(), limit);
  memory->total = limit;
  memory->used = used;
  memory->free = std::min<unsigned long long>(memory->free, limit - used);
}

template <typename Memory>
nvmlReturn_t memory_info(const char* symbol, nvmlDevice_t device, Memory* memory) {
  using Real = nvmlReturn_t (*)(nvmlDevice_t, Memory*);
  static const auto real = reinterpret_cast<Real>(real_nvml(symbol));
  if (real == nullptr) return kNvmlErrorUninitialized;
  const nvmlReturn_t result = real(device, memory);
  if (result == kNvmlSuccess) apply_vgpu_view(memory);
  return result;
}

}  // namespace
}  // namespace fastgpu::vgpu

using namespace fastgpu::vgpu;

extern "C" {

FASTGPU_EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t* memory) {
  return memory_info("nvmlDeviceGetMemoryInfo", device, memory);
}

FASTGPU_EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t device,
                                                       nvmlMemory_v2_t* memory) {
  return memory_info("nvmlDeviceGetMemoryInfo_v2", device, memory);
}

}  // extern "C"

namespace fastgpu::vgpu {

void* nvml_hook_by_symbol(const char* symbol) {
  if (std::strcmp(symbol, "nvmlDeviceGetMemoryInfo") == 0) {
    return reinterpret_cast<void*>(&nvmlDeviceGetMemoryInfo);
  }
  if (std::strcmp(symbol, "nvmlDeviceGetMemoryInfo_v2") == 0) {
    return reinterpret_cast<void*>(&nvmlDeviceGetMemoryInfo_v2);
  }
  return nullptr;
}

}  // namespace fastgpu::vgpu
