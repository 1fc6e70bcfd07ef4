#pragma once
// The contract between fastgpud and libfastgpu-vgpu: what a task's environment says about its
// slice. See docs/VGPU.md for the full contract.
//
//   FASTGPU_VGPU_ID             vGPU id, [A-Za-z0-9_.-]{1,64}; unset = enforce nothing
//   FASTGPU_VGPU_MEMORY_LIMIT   bytes the vGPU's processes may hold together; unset or 0 = no limit
//   FASTGPU_VGPU_COMPUTE_SHARE  milli-GPU of device time, 1..1000; unset or 1000 = no limit
//   FASTGPU_VGPU_BURST          1 = run above the share while no other vGPU uses the GPU; 0
//   (default) FASTGPU_VGPU_DRIVER         the real driver library (default libcuda.so.1)
//   FASTGPU_VGPU_NVML           the real NVML library (default libnvidia-ml.so.1)
//   FASTGPU_VGPU_STATS          1 = print the compute controller's figures to stderr at exit
//   FASTGPU_VGPU_LEDGER_DIR     absolute directory of the ledger file (one only the vGPU's own
//                               processes may enter); unset = POSIX shared memory
//   CUDA_VISIBLE_DEVICES        its first entry names the GPU for burst detection
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace fastgpu::vgpu {

// A validated slice description.
struct VgpuConfig {
  std::string vgpu_id;            // empty: interception passes everything through
  uint64_t memory_limit = 0;      // bytes; 0 = unlimited
  uint32_t compute_share = 1000;  // milli-GPU; 1000 = unthrottled
  bool burst = false;
  bool stats = false;            // report the controller's figures at exit
  std::string device_key = "0";  // which GPU the vGPU lives on, for burst detection
  std::string driver_path = "libcuda.so.1";
  std::string nvml_path = "libnvidia-ml.so.1";
  std::string ledger_dir;  // empty: the ledger is POSIX shared memory

  bool enforces_memory() const { return !vgpu_id.empty() && memory_limit > 0; }
  bool enforces_compute() const { return !vgpu_id.empty() && compute_share < 1000; }
};

// Looks up one environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;

// Reads the contract from `env`. On a malformed value returns nullopt and sets `error` to a
// message naming the variable and what is wrong with it.
std::optional<VgpuConfig> parse_vgpu_config(const EnvLookup& env, std::string* error);

// The process environment as an EnvLookup.
EnvLookup process_environment();

// Where the launcher of a confined task puts its slice: a root-owned file of NAME=VALUE lines
// (the variables above), bind-mounted into the task's private mount namespace, so the task can
// neither change nor remove it. Its presence overrides the environment entirely.
inline constexpr const char* kSliceFileDir = "/run/fastgpu-vgpu";
inline constexpr const char* kSliceFile = "/run/fastgpu-vgpu/slice.env";

// The variables of `text` (NAME=VALUE lines; other lines ignored) as an EnvLookup; a name not
// in it is unset.
EnvLookup lookup_in(const std::string& text);

// The slice's variables: those of the slice file at `path` when it exists, else the process
// environment. nullopt with `error` when the file exists but cannot be read.
std::optional<EnvLookup> slice_environment(const char* path, std::string* error);

}  // namespace fastgpu::vgpu
