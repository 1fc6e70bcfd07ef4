#pragma once
// How fastgpud confines the tasks it starts on its own host: each in a cgroup of its own with
// its limits, as its user's unprivileged identity, in a private scratch directory.

#include <string>

#include "core/status.h"
#include "runtime/cgroup_tree.h"
#include "runtime/process_launcher.h"
#include "runtime/task_cgroup.h"
#include "server/task_identities.h"
#include "store/records.h"

namespace fastgpu {

/// Confines task launches. Thread-safe (prepare runs on launch threads, finish on the loop).
class TaskConfiner {
 public:
  struct Options {
    /// Identities and cgroups: only a root daemon can give them; otherwise tasks run as the
    /// daemon, unlimited, and describe() says so.
    bool enabled = false;
    std::string group_base;    // the cgroup every task group of this daemon lives under
    std::string scratch_root;  // private per-task directories: cwd and HOME of a task without cwd
    int64_t default_memory_bytes = int64_t{4} << 30;  // for a task that asks no memory
    int64_t pids = 4096;
  };

  /// `identities` (not owned) must outlive this; unused when not enabled.
  TaskConfiner(Options options, TaskIdentities* identities);

  /// Completes `spec` for task `task`: its scratch directory (owned by its identity, 0700) as
  /// cwd and HOME unless it gave a cwd; when enabled, its identity, and a cgroup with its
  /// memory (or the default), CPU and pids limits that it joins. Errors name what failed and
  /// leave nothing behind.
  Status prepare(const TaskRecord& task, LaunchSpec* spec) const;
  /// After task `id`'s process ended: kills every process left in its cgroup, reads what they
  /// used, removes the cgroup and the scratch directory.
  CgroupUsage finish(TaskId id) const;

  /// One line for the start-up log: what is enforced and what is not.
  std::string describe() const;
  bool enabled() const { return options_.enabled; }
  int64_t default_memory() const { return options_.default_memory_bytes; }

 private:
  std::string group_of(TaskId id) const;
  std::string scratch_of(TaskId id) const;
  CgroupLimits limits_of(const TaskSpec& spec) const;

  const Options options_;
  TaskIdentities* const identities_;
  const CgroupTree tree_;
};

/// The reason a task failed when its cgroup's kernel OOM killer killed one of its processes.
std::string out_of_memory_reason(const TaskSpec& spec, int64_t default_memory_bytes);

}  // namespace fastgpu
