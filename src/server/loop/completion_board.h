#pragma once
// Which tasks are unfinished, and waiting until a task or all of a vGPU's tasks finish.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <unordered_map>

#include "store/records.h"

namespace fastgpu {

/// The set of unfinished tasks (is_unfinished) per vGPU, kept by the scheduler after each commit;
/// long-polling requests wait on it. A task's end wakes only those waiting for that task or for
/// its vGPU: a thousand idle waiters cost nothing per finished task. Thread-safe.
class CompletionBoard {
 public:
  /// Records that task `id` (in `vgpu`, or kNoVgpu) is unfinished.
  void add(TaskId id, VgpuId vgpu);
  /// Records that task `id` finished (committed to a final state) and wakes its waiters.
  void finish(TaskId id);

  /// Blocks until task `id` is not unfinished or `timeout` passes; true when finished.
  bool wait_task(TaskId id, std::chrono::milliseconds timeout);
  /// Blocks until `vgpu` has no unfinished task or `timeout` passes; true when none.
  bool wait_vgpu(VgpuId vgpu, std::chrono::milliseconds timeout);

  /// Number of unfinished tasks of `vgpu`.
  int unfinished_in(VgpuId vgpu) const;

  /// Ends every wait now and makes later waits return at once (the daemon is stopping).
  void close();

 private:
  // The waiters of one task or one vGPU; removed by the last of them to leave.
  struct Waiters {
    std::condition_variable woken;
    int count = 0;
  };
  // Waits on the entry for `key` of `waiters` until `done` holds, the board closes or `timeout`
  // passes. `lock` holds mu_.
  template <typename Done>
  void wait_on(std::unordered_map<int64_t, Waiters>& waiters, int64_t key,
               std::unique_lock<std::mutex>& lock, std::chrono::milliseconds timeout, Done done);
  static void wake(std::unordered_map<int64_t, Waiters>& waiters, int64_t key);

  mutable std::mutex mu_;
  std::unordered_map<TaskId, VgpuId> unfinished_;  // task -> its vGPU
  std::unordered_map<VgpuId, int> count_by_vgpu_;
  std::unordered_map<int64_t, Waiters> task_waiters_;  // by task id
  std::unordered_map<int64_t, Waiters> vgpu_waiters_;  // by vGPU id
  bool closed_ = false;
};

}  // namespace fastgpu
