#pragma once
// What a task must pass before it is stored, checked on the API threads against what the
// scheduling loop last published: the pool, the vGPUs, the projects and their queues.

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "core/task.h"
#include "sched/queue/accounts.h"
#include "sched/queue/queue_engine.h"
#include "server/loop/gpu_pool.h"
#include "store/records.h"

namespace fastgpu {

/// Admission of tasks (Scheduler::submit), and the loop's published views it reads. The loop
/// publishes (publish_*); API threads check and read. Every member is thread-safe.
class Admission {
 public:
  /// What admission needs to know of the daemon's set-up.
  struct Rules {
    /// True when a pool task of this shape could run on a node the pool may still get (the
    /// autoscaler's catalog). Empty: only the pool counts.
    std::function<bool(const TaskShape&)> feasible_elsewhere;
    bool has_enforcement_library = false;  // fractional tasks can be held to their slice
    bool allow_unenforced = false;         // without the library, run them unenforced anyway
  };

  Admission(Rules rules, std::shared_ptr<const GpuPool> pool,
            std::shared_ptr<const Accounts> accounts);

  /// Completes and checks a parsed task spec: resolves TFLOPS to a share, gives a task in a
  /// vGPU without compute the whole vGPU, and refuses what could never run (kInfeasible), a
  /// missing vGPU (kNotFound), a fractional task this daemon cannot hold to its slice
  /// (kUnavailable; with Rules::allow_unenforced it is admitted with "enforce": false), a
  /// priority above its project's max_priority (kPermissionDenied) and a task past its
  /// project's max_queued (kLimitExceeded, against the queue as last published).
  Status admit(TaskSpec* spec) const;

  /// The pool as last published.
  std::shared_ptr<const GpuPool> pool() const;
  /// The projects, their users and prices as last published.
  std::shared_ptr<const Accounts> accounts() const;

  /// The loop's side: the pool now (an agent added nodes), a vGPU's record now (a deleted one
  /// is forgotten), the accounts now (with every project's queue emptied), and how many tasks
  /// wait per project in `queue` (whose projects are the accounts' last published).
  void publish_pool(std::shared_ptr<const GpuPool> pool);
  void publish_vgpu(const VgpuRecord& record);
  void publish_accounts(std::shared_ptr<const Accounts> accounts);
  void publish_queued(const QueueEngine& queue);

 private:
  // The shape: what it asks resolved, and whether anything could ever hold it.
  Status admit_shape(TaskSpec* spec) const;
  Status admit_to_vgpu(TaskSpec* spec, const GpuPool& pool) const;
  Status admit_enforcement(TaskSpec* spec) const;
  Status admit_to_project(const TaskSpec& spec) const;

  const Rules rules_;
  mutable std::mutex mu_;
  std::shared_ptr<const GpuPool> pool_;           // guarded by mu_
  std::unordered_map<VgpuId, VgpuRecord> vgpus_;  // guarded by mu_
  std::shared_ptr<const Accounts> accounts_;      // guarded by mu_
  std::vector<size_t> queued_;                    // guarded by mu_; per project
};

}  // namespace fastgpu
