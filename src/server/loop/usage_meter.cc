#include "server/loop/usage_meter.h"

#include <cstdio>

namespace fastgpu {

void UsageMeter::add(const std::string& project, std::string_view task_state,
                     int64_t gpu_milli_ms) {
  std::lock_guard lock(mu_);
  gpu_milli_ms_[project] += gpu_milli_ms;
  if (!task_state.empty()) task_ends_[{project, std::string(task_state)}] += 1;
}

std::string UsageMeter::render() const {
  // Project names are letters, digits, '-', '_' and '.' (accounts.h): no label escaping needed.
  std::string out =
      "# HELP fastgpu_project_gpu_seconds_total GPU-seconds of ended task attempts and vGPU "
      "stretches, per project.\n# TYPE fastgpu_project_gpu_seconds_total counter\n";
  std::lock_guard lock(mu_);
  for (const auto& [project, milli_ms] : gpu_milli_ms_) {
    char value[32];
    std::snprintf(value, sizeof value, "%.3f", static_cast<double>(milli_ms) / 1e6);
    out += "fastgpu_project_gpu_seconds_total{project=\"" + project + "\"} " + value + "\n";
  }
  out +=
      "# HELP fastgpu_project_task_ends_total Task attempts ended, per project and end state.\n"
      "# TYPE fastgpu_project_task_ends_total counter\n";
  for (const auto& [key, count] : task_ends_) {
    out += "fastgpu_project_task_ends_total{project=\"" + key.first + "\",state=\"" + key.second +
           "\"} " + std::to_string(count) + "\n";
  }
  return out;
}

}  // namespace fastgpu
