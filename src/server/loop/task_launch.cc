#include "server/loop/task_launch.h"

#include <unistd.h>

#include <filesystem>
#include <system_error>

namespace fastgpu {

std::string find_vgpu_library() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  const std::filesystem::path library =
      self.parent_path().parent_path() / "lib" / "libfastgpu-vgpu.so";
  return std::filesystem::exists(library, ec) ? library.lexically_normal().string() : "";
}

bool wants_vgpu_library(const TaskRecord& task, const TaskSlice& slice) {
  const bool fractional = !slice.gpus.empty() && slice.compute_share < kMilliPerGpu;
  return fractional && task.spec.enforce;
}

LaunchSpec make_launch_spec(const TaskRecord& task, const TaskSlice& slice,
                            const std::string& stdout_path, const std::string& stderr_path,
                            const EnforcementPaths& enforcement) {
  LaunchSpec launch;
  launch.argv = task.spec.command.argv;
  launch.cwd = task.spec.command.cwd;
  launch.stdout_path = stdout_path;
  launch.stderr_path = stderr_path;
  // A clean start: a minimal base the task's own variables may change, then FastGPU's, which
  // they may not (the API refuses them; set last, they win here too).
  launch.env = {{"PATH", kTaskPath}, {"USER", task.spec.owner}, {"LANG", "C.UTF-8"}};
  for (const EnvVar& v : task.spec.command.env) launch.env.emplace_back(v.name, v.value);
  std::string uuids;
  for (const GpuDevice* gpu : slice.gpus) uuids += (uuids.empty() ? "" : ",") + gpu->uuid;
  launch.env.emplace_back("CUDA_VISIBLE_DEVICES", uuids);
  launch.env.emplace_back("FASTGPU_TASK_ID", std::to_string(task.id));
  launch.env.emplace_back("FASTGPU_VGPU_ID", slice.enforcement_id);
  launch.env.emplace_back("FASTGPU_VGPU_MEMORY_LIMIT", std::to_string(slice.memory_limit_bytes));
  launch.env.emplace_back("FASTGPU_VGPU_COMPUTE_SHARE", std::to_string(slice.compute_share));
  if (wants_vgpu_library(task, slice) && !enforcement.library.empty()) {
    launch.ld_preload = enforcement.library;
    if (!enforcement.driver.empty())
      launch.env.emplace_back("FASTGPU_VGPU_DRIVER", enforcement.driver);
  }
  return launch;
}

}  // namespace fastgpu
