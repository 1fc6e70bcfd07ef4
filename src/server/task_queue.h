#pragma once
// The order pending tasks are considered in: priority descending, then submission order.

#include <cstdint>
#include <set>
#include <utility>

#include "store/records.h"

namespace fastgpu {

/// Pending task ids in queue order. Not thread-safe.
class TaskQueue {
 public:
  using Key = std::pair<int32_t, TaskId>;  // (-priority, id); ids grow in submission order

  void push(int32_t priority, TaskId id) { keys_.emplace(-priority, id); }
  void erase(int32_t priority, TaskId id) { keys_.erase({-priority, id}); }
  size_t size() const { return keys_.size(); }

  /// Iteration in queue order; the id is key.second.
  std::set<Key>::const_iterator begin() const { return keys_.begin(); }
  std::set<Key>::const_iterator end() const { return keys_.end(); }

 private:
  std::set<Key> keys_;
};

}  // namespace fastgpu
