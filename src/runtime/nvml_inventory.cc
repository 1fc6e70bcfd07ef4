#include "runtime/nvml_inventory.h"

#include <dlfcn.h>

#include <cctype>
#include <initializer_list>

namespace fastgpu {
namespace {

// The few NVML types used here, declared from the public NVML API reference (nvml.h) so the
// build needs no NVIDIA headers.
using nvmlReturn_t = int;
using nvmlDevice_t = struct nvmlDevice_st*;
struct nvmlMemory_t {
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
};
struct nvmlUtilization_t {
  unsigned int gpu;
  unsigned int memory;
};
struct nvmlDeviceAttributes_t {
  unsigned int multiprocessorCount;
  unsigned int sharedCopyEngineCount;
  unsigned int sharedDecoderCount;
  unsigned int sharedEncoderCount;
  unsigned int sharedJpegCount;
  unsigned int sharedOfaCount;
  unsigned int gpuInstanceSliceCount;
  unsigned int computeInstanceSliceCount;
  unsigned long long memorySizeMB;
};
constexpr nvmlReturn_t kNvmlSuccess = 0;
constexpr nvmlReturn_t kNvmlErrorNotSupported = 3;
constexpr unsigned int kNvmlStringBuffer = 96;  // NVML_DEVICE_{NAME,UUID}_V2_BUFFER_SIZE

bool contains_ignoring_case(std::string_view text, std::string_view word) {
  for (size_t i = 0; i + word.size() <= text.size(); ++i) {
    size_t j = 0;
    while (j < word.size() && std::toupper(static_cast<unsigned char>(text[i + j])) ==
                                  std::toupper(static_cast<unsigned char>(word[j]))) {
      ++j;
    }
    if (j == word.size()) return true;
  }
  return false;
}

// "NVIDIA Tesla V100-SXM2-32GB" -> "V100-SXM2-32GB".
std::string_view strip_vendor(std::string_view name) {
  for (bool stripped = true; stripped;) {
    stripped = false;
    for (std::string_view prefix : {"NVIDIA ", "Tesla "}) {
      if (name.starts_with(prefix)) {
        name.remove_prefix(prefix.size());
        stripped = true;
      }
    }
  }
  return name;
}

}  // namespace

std::optional<GpuModelId> model_from_nvml_name(std::string_view nvml_name, int64_t memory_bytes) {
  const std::string_view name = strip_vendor(nvml_name);
  const size_t cut = name.find_first_of(" -");
  const std::string_view family = name.substr(0, cut);
  const std::string_view variant = cut == std::string_view::npos ? "" : name.substr(cut + 1);
  if (contains_ignoring_case(variant, "NVL")) return std::nullopt;  // other clocks and memory
  if (family == "A100")
    return find_gpu_model(memory_bytes > 48 * kBytesPerGib ? "A100-80GB" : "A100-40GB");
  if (family == "V100")
    return find_gpu_model(memory_bytes > 24 * kBytesPerGib ? "V100M32" : "V100M16");
  if (family == "H100") {
    return find_gpu_model(contains_ignoring_case(variant, "PCIe") ? "H100-PCIe" : "H100");
  }
  const std::optional<GpuModelId> id = find_gpu_model(family);
  if (id && gpu_model_spec(*id).declared) return std::nullopt;  // the trace's G1-G3 are no names
  return id;
}

struct NvmlInventory::Api {
  void* library = nullptr;
  nvmlReturn_t (*init)() = nullptr;
  nvmlReturn_t (*shutdown)() = nullptr;
  const char* (*error_string)(nvmlReturn_t) = nullptr;
  nvmlReturn_t (*get_count)(unsigned int*) = nullptr;
  nvmlReturn_t (*get_handle)(unsigned int, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*get_name)(nvmlDevice_t, char*, unsigned int) = nullptr;
  nvmlReturn_t (*get_uuid)(nvmlDevice_t, char*, unsigned int) = nullptr;
  nvmlReturn_t (*get_memory)(nvmlDevice_t, nvmlMemory_t*) = nullptr;
  nvmlReturn_t (*get_utilization)(nvmlDevice_t, nvmlUtilization_t*) = nullptr;
  nvmlReturn_t (*get_attributes)(nvmlDevice_t, nvmlDeviceAttributes_t*) = nullptr;  // optional
  nvmlReturn_t (*get_minor)(nvmlDevice_t, unsigned int*) = nullptr;                 // optional

  ~Api() {
    if (library != nullptr) dlclose(library);
  }

  // Looks up `symbol` into *fn; false when the library lacks it.
  template <typename Fn>
  bool bind(const char* symbol, Fn* fn) {
    *fn = reinterpret_cast<Fn>(dlsym(library, symbol));
    return *fn != nullptr;
  }

  // Binds every required entry point; returns the name of the first missing one, or nullptr.
  const char* bind_all() {
    if (!bind("nvmlInit_v2", &init)) return "nvmlInit_v2";
    if (!bind("nvmlShutdown", &shutdown)) return "nvmlShutdown";
    if (!bind("nvmlErrorString", &error_string)) return "nvmlErrorString";
    if (!bind("nvmlDeviceGetCount_v2", &get_count)) return "nvmlDeviceGetCount_v2";
    if (!bind("nvmlDeviceGetHandleByIndex_v2", &get_handle)) return "nvmlDeviceGetHandleByIndex_v2";
    if (!bind("nvmlDeviceGetName", &get_name)) return "nvmlDeviceGetName";
    if (!bind("nvmlDeviceGetUUID", &get_uuid)) return "nvmlDeviceGetUUID";
    if (!bind("nvmlDeviceGetMemoryInfo", &get_memory)) return "nvmlDeviceGetMemoryInfo";
    if (!bind("nvmlDeviceGetUtilizationRates", &get_utilization)) {
      return "nvmlDeviceGetUtilizationRates";
    }
    bind("nvmlDeviceGetAttributes_v2", &get_attributes);
    bind("nvmlDeviceGetMinorNumber", &get_minor);
    return nullptr;
  }

  // OK, or an I/O error naming the call, the GPU and NVML's reason.
  Status check(nvmlReturn_t r, const char* call, uint32_t index) const {
    if (r == kNvmlSuccess) return Status::ok();
    return Status::io_error(std::string("NVML ") + call + " for GPU " + std::to_string(index) +
                            " failed: " + error_string(r));
  }

  Status handle(uint32_t index, nvmlDevice_t* device) const {
    return check(get_handle(index, device), "nvmlDeviceGetHandleByIndex_v2", index);
  }

  Status count(uint32_t* n) const {
    unsigned int c = 0;
    if (nvmlReturn_t r = get_count(&c); r != kNvmlSuccess) {
      return Status::io_error(std::string("NVML nvmlDeviceGetCount_v2 failed: ") + error_string(r));
    }
    *n = c;
    return Status::ok();
  }
};

Status NvmlInventory::open(std::unique_ptr<NvmlInventory>* out, std::string_view library) {
  const std::string path(library);
  auto api = std::make_unique<Api>();
  api->library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (api->library == nullptr) {
    const char* why = dlerror();
    return Status::failed_precondition("NVML not available: cannot load " + path + " (" +
                                       (why ? why : "unknown reason") +
                                       "); is the NVIDIA driver installed?");
  }
  if (const char* missing = api->bind_all(); missing != nullptr) {
    return Status::failed_precondition("NVML not available: " + path + " has no entry point " +
                                       missing);
  }
  if (nvmlReturn_t r = api->init(); r != kNvmlSuccess) {
    return Status::failed_precondition("NVML not available: nvmlInit_v2 failed: " +
                                       std::string(api->error_string(r)));
  }
  out->reset(new NvmlInventory(std::move(api)));
  return Status::ok();
}

NvmlInventory::NvmlInventory(std::unique_ptr<Api> api) : api_(std::move(api)) {}

NvmlInventory::~NvmlInventory() { api_->shutdown(); }

Status NvmlInventory::read_usage(uint32_t index, GpuUsage* out) const {
  nvmlDevice_t device = nullptr;
  if (Status s = api_->handle(index, &device); !s.is_ok()) return s;
  nvmlMemory_t memory{};
  if (Status s = api_->check(api_->get_memory(device, &memory), "nvmlDeviceGetMemoryInfo", index);
      !s.is_ok()) {
    return s;
  }
  nvmlUtilization_t utilization{};
  const nvmlReturn_t r = api_->get_utilization(device, &utilization);
  if (r != kNvmlErrorNotSupported) {  // some devices (MIG) have no utilization: report 0
    if (Status s = api_->check(r, "nvmlDeviceGetUtilizationRates", index); !s.is_ok()) return s;
  }
  out->index = static_cast<int32_t>(index);
  out->utilization_percent = static_cast<int32_t>(utilization.gpu);
  out->memory_used_bytes = static_cast<int64_t>(memory.used);
  return Status::ok();
}

Status NvmlInventory::read_device(uint32_t index, GpuDevice* out) const {
  nvmlDevice_t device = nullptr;
  if (Status s = api_->handle(index, &device); !s.is_ok()) return s;
  char name[kNvmlStringBuffer] = {};
  char uuid[kNvmlStringBuffer] = {};
  nvmlMemory_t memory{};
  Status s = api_->check(api_->get_name(device, name, sizeof name), "nvmlDeviceGetName", index);
  if (s.is_ok()) {
    s = api_->check(api_->get_uuid(device, uuid, sizeof uuid), "nvmlDeviceGetUUID", index);
  }
  if (s.is_ok()) {
    s = api_->check(api_->get_memory(device, &memory), "nvmlDeviceGetMemoryInfo", index);
  }
  GpuUsage usage;
  if (s.is_ok()) s = read_usage(index, &usage);
  if (!s.is_ok()) return s;

  out->index = static_cast<int32_t>(index);
  out->uuid = uuid;
  out->memory_bytes = static_cast<int64_t>(memory.total);
  out->memory_used_bytes = usage.memory_used_bytes;
  out->utilization_percent = usage.utilization_percent;
  out->simulated = false;
  out->model_id = model_from_nvml_name(name, out->memory_bytes);
  out->model = out->model_id ? std::string(gpu_model_spec(*out->model_id).name) : name;
  out->milli_tflops = out->model_id ? gpu_model_spec(*out->model_id).milli_tflops : 0;
  out->sm_count = out->model_id ? gpu_model_spec(*out->model_id).sm_count : 0;
  nvmlDeviceAttributes_t attributes{};
  if (api_->get_attributes != nullptr &&
      api_->get_attributes(device, &attributes) == kNvmlSuccess) {  // MIG-capable parts only
    out->sm_count = static_cast<int32_t>(attributes.multiprocessorCount);
  }
  unsigned int minor = 0;
  if (api_->get_minor != nullptr && api_->get_minor(device, &minor) == kNvmlSuccess) {
    out->device_node = "/dev/nvidia" + std::to_string(minor);
  }
  return Status::ok();
}

Status NvmlInventory::discover(std::vector<GpuDevice>* out) {
  out->clear();
  uint32_t n = 0;
  if (Status s = api_->count(&n); !s.is_ok()) return s;
  std::vector<GpuDevice> devices(n);
  for (uint32_t i = 0; i < n; ++i) {
    if (Status s = read_device(i, &devices[i]); !s.is_ok()) return s;
  }
  *out = std::move(devices);
  return Status::ok();
}

Status NvmlInventory::sample(std::vector<GpuUsage>* out) {
  out->clear();
  uint32_t n = 0;
  if (Status s = api_->count(&n); !s.is_ok()) return s;
  std::vector<GpuUsage> usage(n);
  for (uint32_t i = 0; i < n; ++i) {
    if (Status s = read_usage(i, &usage[i]); !s.is_ok()) return s;
  }
  *out = std::move(usage);
  return Status::ok();
}

}  // namespace fastgpu
