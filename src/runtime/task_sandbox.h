#pragma once
// Where a task's processes run on one host: a cgroup of its own with its limits, its own
// identity, and a private scratch directory. fastgpud and fastgpu-agent both start tasks in one.

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/status.h"
#include "runtime/cgroup_tree.h"
#include "runtime/confinement.h"
#include "runtime/gpu_inventory.h"
#include "runtime/process_launcher.h"
#include "runtime/task_cgroup.h"
#include "runtime/task_slices.h"

namespace fastgpu {

/// Prepares launches into sandboxes and clears them after. Holds no state per task (everything
/// is named from the task id), so it works across restarts. Thread-safe.
class TaskSandbox {
 public:
  struct Options {
    /// Identities and cgroups, which only root can give; otherwise only the scratch directory.
    bool enabled = false;
    std::string group_base;    // the cgroup every task group of this launcher lives under
    std::string scratch_root;  // must exist; a task's directory is made in it
    /// Where fractional tasks' slices are put out of their reach; null: they keep LD_PRELOAD.
    std::shared_ptr<const TaskSlices> slices;
    /// This host's GPUs: a confined task can open the device nodes of those it was given
    /// (its CUDA_VISIBLE_DEVICES) only; the others are masked in its mount namespace.
    std::vector<GpuDevice> gpus;
  };

  explicit TaskSandbox(Options options);
  /// Removes its scratch root and cgroup base directories when they are empty.
  ~TaskSandbox();
  TaskSandbox(const TaskSandbox&) = delete;
  TaskSandbox& operator=(const TaskSandbox&) = delete;

  /// Completes `spec` for task `task`: its scratch directory (owned by `who`, 0700) as cwd and
  /// HOME unless it gave a cwd; when enabled, `who`, a cgroup with `limits` that it joins, and
  /// its slice (TaskSlices) when it preloads the vGPU library.
  /// Errors name what failed and leave nothing behind.
  Status prepare(int64_t task, const std::optional<RunAs>& who, const CgroupLimits& limits,
                 LaunchSpec* spec) const;
  /// After task `task`'s process ended: kills every process left in its cgroup, reads what they
  /// used, removes the cgroup, the scratch directory and the slice.
  CgroupUsage finish(int64_t task) const;
  /// Removes the ledger directory of enforcement id `vgpu_id` (TaskSlices), if there is one.
  void remove_ledger(const std::string& vgpu_id) const {
    if (options_.slices) options_.slices->remove_ledger(vgpu_id);
  }

  /// Finishes every task sandbox left from an earlier run of this launcher (an agent starts
  /// with none of its tasks alive: they die with it). Returns how many there were.
  int clear_left_over() const;

  bool enabled() const { return options_.enabled; }
  /// What is enforced, for the start-up log.
  std::string describe() const;

  /// The sandbox of a launcher (fastgpud, an agent) named `prefix` working in `dir`: enabled
  /// when it runs as root; cgroups under PREFIX-<hash of dir>; scratch directories under
  /// /var/tmp/fastgpu/PREFIX-<hash> when enabled (a data dir may sit under a private one such as
  /// /root), else under DIR/scratch. Creates the scratch root (0711). Errors name the path.
  static Status options_for(const std::string& prefix, const std::string& dir, Options* out);

 private:
  std::string group_of(int64_t task) const;
  // The device nodes of this host's GPUs that `spec` was not given.
  std::vector<std::string> nodes_hidden_from(const LaunchSpec& spec) const;
  // Makes the task's scratch directory afresh (0700), owned by `as` when set.
  Status make_scratch(const std::string& path, const std::optional<RunAs>& as) const;
  std::string scratch_of(int64_t task) const;

  const Options options_;
  const CgroupTree tree_;
};

}  // namespace fastgpu
