#include "sched/typical_workload.h"

#include <unordered_map>

namespace fastgpu {

TypicalWorkload TypicalWorkload::from_tasks(std::span<const Task> tasks) {
  TypicalWorkload w;
  std::unordered_map<TaskShape, size_t, TaskShapeHash> index;
  for (const Task& t : tasks) {
    TaskShape key = t.shape;
    key.memory_mib = 0;
    key.gpu_memory_mib = 0;
    auto [it, inserted] = index.try_emplace(key, w.entries_.size());
    if (inserted) w.entries_.push_back({key, 0});
    ++w.entries_[it->second].weight;
    ++w.total_weight_;
  }
  return w;
}

}  // namespace fastgpu
