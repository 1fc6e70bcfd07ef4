#include "sched/typical_workload.h"

#include <algorithm>
#include <tuple>
#include <unordered_map>

namespace fastgpu {

TypicalWorkload TypicalWorkload::from_tasks(std::span<const Task> tasks, int coverage_percent) {
  std::vector<Entry> all;
  std::unordered_map<TaskShape, size_t, TaskShapeHash> index;
  for (const Task& t : tasks) {
    TaskShape key = t.shape;
    key.memory_mib = 0;
    key.gpu_memory_mib = 0;
    auto [it, inserted] = index.try_emplace(key, all.size());
    if (inserted) all.push_back({key, 0});
    ++all[it->second].weight;
  }
  auto rank = [](const Entry& e) {
    return std::tuple(e.weight, e.shape.cpu_milli, e.shape.gpu_milli, e.shape.num_gpu,
                      e.shape.allowed_models);
  };
  std::stable_sort(all.begin(), all.end(),
                   [&](const Entry& a, const Entry& b) { return rank(a) > rank(b); });
  TypicalWorkload w;
  const int64_t total = static_cast<int64_t>(tasks.size());
  for (const Entry& e : all) {
    if (100 * w.total_weight_ >= int64_t{coverage_percent} * total) break;
    w.entries_.push_back(e);
    w.total_weight_ += e.weight;
  }
  return w;
}

}  // namespace fastgpu
