#pragma once
// Which tasks are unfinished, and waiting until a task or all of a vGPU's tasks finish.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "store/records.h"

namespace fastgpu {

/// The set of unfinished tasks (is_unfinished) per vGPU, kept by the scheduler after each commit;
/// long-polling requests wait on it. Thread-safe.
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
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::unordered_map<TaskId, VgpuId> unfinished_;  // task -> its vGPU
  std::unordered_map<VgpuId, int> count_by_vgpu_;
  bool closed_ = false;
};

}  // namespace fastgpu
