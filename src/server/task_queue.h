#pragma once
// The order pending tasks are considered in: one queue per resource (the pool, and each vGPU),
// each by priority descending, then submission order.

#include <cstdint>
#include <map>
#include <set>
#include <utility>

#include "store/records.h"

namespace fastgpu {

/// Pending task ids in queue order, per resource: kNoVgpu for the pool, else the vGPU the tasks
/// run in. Resources are independent: a task waiting for its vGPU never holds back the pool.
/// Not thread-safe.
class TaskQueue {
 public:
  using Key = std::pair<int32_t, TaskId>;  // (-priority, id); ids grow in submission order
  using Order = std::set<Key>;

  /// Queues `task` on its resource.
  void push(const TaskRecord& task);
  /// Removes `task` (nothing when it is not queued).
  void erase(const TaskRecord& task);
  /// Number of queued tasks over all resources.
  size_t size() const { return size_; }

  /// Every resource's queue. Queues may be empty; erasing the entry being visited is safe.
  const std::map<VgpuId, Order>& by_resource() const { return queues_; }

 private:
  std::map<VgpuId, Order> queues_;
  size_t size_ = 0;
};

}  // namespace fastgpu
