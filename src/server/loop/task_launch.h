#pragma once
// How a command task is started: its environment (GPU, vGPU limits), log files and the optional
// vGPU enforcement library.

#include <string>
#include <vector>

#include "runtime/gpu_inventory.h"
#include "runtime/process_launcher.h"
#include "store/records.h"

namespace fastgpu {

/// The PATH a task starts with unless its env gives one.
inline constexpr const char* kTaskPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// What the scheduler knows about the slice a task got.
struct TaskSlice {
  std::vector<const GpuDevice*> gpus;  // the GPUs of its placement, in slot order
  VgpuId vgpu = kNoVgpu;
  std::string enforcement_id;      // FASTGPU_VGPU_ID: shared by the processes of one vGPU
  int64_t memory_limit_bytes = 0;  // GPU memory the vGPU (or the pool task) may hold per GPU
  MilliGpu compute_share = 0;      // milli-GPU of compute per GPU (1000: whole GPUs)
};

/// The library fastgpud preloads into fractional-slice tasks: `<dir of the fastgpud
/// binary>/../lib/libfastgpu-vgpu.so`, or empty when that file does not exist.
std::string find_vgpu_library();

/// The vGPU enforcement library preloaded into fractional tasks and the driver it wraps.
struct EnforcementPaths {
  std::string library;  // empty: none
  std::string driver;   // FASTGPU_VGPU_DRIVER; empty: the library's default, libcuda.so.1
};

/// True when `task` on `slice` runs under the vGPU library: a fractional share, not opted out.
bool wants_vgpu_library(const TaskRecord& task, const TaskSlice& slice);

/// The LaunchSpec of command task `task` on `slice`: its argv and cwd; an environment of PATH,
/// USER (its owner) and LANG (HOME comes with its sandbox), then its own env, then
/// CUDA_VISIBLE_DEVICES (GPU UUIDs), FASTGPU_TASK_ID, FASTGPU_VGPU_ID, FASTGPU_VGPU_MEMORY_LIMIT
/// (bytes) and FASTGPU_VGPU_COMPUTE_SHARE (milli-GPU); stdout and stderr to `stdout_path` and
/// `stderr_path`. The enforcement library is preloaded (and told its driver) when it is set, the
/// share is fractional and the task did not opt out.
LaunchSpec make_launch_spec(const TaskRecord& task, const TaskSlice& slice,
                            const std::string& stdout_path, const std::string& stderr_path,
                            const EnforcementPaths& enforcement);

}  // namespace fastgpu
