#pragma once
// The typical workload: the distribution of task shapes a pool expects (FGD's "target workload").

#include <cstdint>
#include <span>
#include <vector>

#include "core/task.h"

namespace fastgpu {

/// Distinct task types with integer weights (how many tasks of the source had that type).
/// A type is (cpu_milli, num_gpu, gpu_milli, allowed_models): host and GPU memory are left out,
/// as in the FGD reference. CPU-only types are included. Immutable once built.
class TypicalWorkload {
 public:
  struct Entry {
    TaskShape shape;
    int64_t weight = 0;
  };

  TypicalWorkload() = default;

  /// Counts the types of `tasks`, sorts them by count (descending; ties by cpu, gpu_milli,
  /// num_gpu, models, descending) and keeps the most popular ones until they cover
  /// `coverage_percent` of the tasks; coverage_percent is within 1..100.
  /// The FGD reference's code cuts at 95%, which drops the rare 8-GPU types and costs FGD about
  /// 5 points of allocation; its published numbers match 100% (docs/REPRODUCTION.md).
  static TypicalWorkload from_tasks(std::span<const Task> tasks, int coverage_percent = 100);

  const std::vector<Entry>& entries() const { return entries_; }
  /// Sum of the kept weights; 0 for an empty workload.
  int64_t total_weight() const { return total_weight_; }

 private:
  std::vector<Entry> entries_;
  int64_t total_weight_ = 0;
};

}  // namespace fastgpu
