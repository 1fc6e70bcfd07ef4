#pragma once
// The typical workload: the distribution of task shapes a pool expects (FGD's "target workload").

#include <cstdint>
#include <span>
#include <vector>

#include "core/task.h"

namespace fastgpu {

/// Distinct task shapes with integer weights (how many tasks of the source had that shape).
/// Host memory and GPU memory are left out of the shape, as in the FGD paper: a type is
/// (cpu_milli, num_gpu, gpu_milli, allowed_models). Immutable once built.
class TypicalWorkload {
 public:
  struct Entry {
    TaskShape shape;
    int64_t weight = 0;
  };

  TypicalWorkload() = default;

  /// Counts the shapes of `tasks`. Entries come out in a fixed order (by first appearance).
  static TypicalWorkload from_tasks(std::span<const Task> tasks);

  const std::vector<Entry>& entries() const { return entries_; }
  /// Sum of all weights; 0 for an empty workload.
  int64_t total_weight() const { return total_weight_; }

 private:
  std::vector<Entry> entries_;
  int64_t total_weight_ = 0;
};

}  // namespace fastgpu
