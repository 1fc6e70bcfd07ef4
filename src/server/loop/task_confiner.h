#pragma once
// How fastgpud confines its tasks: the identity each runs as (its user's), the limits of its
// cgroup (its requests, or defaults), and, for tasks on this host, the sandbox that applies them.

#include <string>

#include "core/status.h"
#include "runtime/task_sandbox.h"
#include "server/loop/task_identities.h"
#include "store/records.h"

namespace fastgpu {

/// Confines task launches on this host, and says how an agent must confine its own. Thread-safe
/// (prepare runs on launch threads, the rest on the loop).
class TaskConfiner {
 public:
  struct Limits {
    int64_t default_memory_bytes = int64_t{4} << 30;  // for a task that asks no host memory
    int64_t pids = 4096;
  };

  /// `identities` (not owned) must outlive this.
  TaskConfiner(TaskSandbox::Options sandbox, Limits limits, TaskIdentities* identities);

  /// The identity task `task` runs as (its owner's) and its cgroup's limits.
  Status identity(const TaskRecord& task, RunAs* out) const;
  CgroupLimits limits(const TaskSpec& spec) const;

  /// Completes `spec` for task `task` on this host (see TaskSandbox::prepare).
  Status prepare(const TaskRecord& task, LaunchSpec* spec) const;
  /// After task `id`'s process ended on this host (see TaskSandbox::finish).
  CgroupUsage finish(TaskId id) const { return sandbox_.finish(id); }
  /// When the vGPU (or pool task) of enforcement id `vgpu_id` is gone: removes its ledger.
  void remove_ledger(const std::string& vgpu_id) const { sandbox_.remove_ledger(vgpu_id); }

  /// The failure reason of a task whose process the kernel killed at its memory limit.
  std::string out_of_memory_reason(const TaskSpec& spec) const;

  /// What is enforced on this host, for the start-up log.
  std::string describe() const { return sandbox_.describe(); }

 private:
  const TaskSandbox sandbox_;
  const Limits limits_;
  TaskIdentities* const identities_;
};

}  // namespace fastgpu
