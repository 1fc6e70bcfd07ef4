#pragma once
// Per-project usage counters since fastgpud started, for /metrics (Prometheus): the GPU time of
// ended task attempts and vGPU stretches, and the ends of task attempts by state.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace fastgpu {

/// Counters that only grow (Prometheus counters; they restart at zero with the daemon). The
/// durable record is the store's usage ledger; these show its rate. Thread-safe.
class UsageMeter {
 public:
  /// Counts one end charged to `project`: `gpu_milli_ms` of GPU time (milli-GPU times ms), and,
  /// for a task attempt, one end in `task_state` (empty for a vGPU's stretch).
  void add(const std::string& project, std::string_view task_state, int64_t gpu_milli_ms);

  /// The counters as Prometheus text: fastgpu_project_gpu_seconds_total{project} and
  /// fastgpu_project_task_ends_total{project,state}.
  std::string render() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, int64_t> gpu_milli_ms_;                       // by project
  std::map<std::pair<std::string, std::string>, int64_t> task_ends_;  // by project, state
};

}  // namespace fastgpu
