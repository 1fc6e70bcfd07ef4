#pragma once
// Helpers policies share for enumerating and applying GPU choices on one node.

#include "core/node.h"
#include "core/task.h"

namespace fastgpu {

/// The node's state after `shape` takes `gpus` (host resources included).
NodeState state_after(const NodeState& state, const TaskShape& shape, GpuMask gpus);

/// The `count` lowest-indexed GPUs of `mask`.
GpuMask lowest_gpus(GpuMask mask, int count);

/// Best-fit GPU choice: for a share, the eligible GPU with the least free share (lowest index
/// among equals); for whole GPUs, the lowest-indexed eligible ones. 0 for CPU-only shapes.
GpuMask best_fit_gpus(const NodeSpec& spec, const NodeState& state, const TaskShape& shape);

/// Free milli-GPU summed over the GPUs in `gpus`.
int64_t free_milli_of(const NodeState& state, GpuMask gpus);

/// Calls visit(gpus) for each distinct way to place `shape` on the node that differs in
/// outcome: for one GPU, one candidate per distinct free share among eligible GPUs (the lowest
/// index); for whole GPUs, the lowest-indexed eligible GPUs (all fully free GPUs are alike).
/// For CPU-only shapes, visits 0 once.
template <typename Visit>
void for_each_gpu_candidate(const NodeSpec& spec, const NodeState& state, const TaskShape& shape,
                            Visit&& visit) {
  if (shape.num_gpu == 0) {
    visit(GpuMask{0});
    return;
  }
  const GpuMask eligible = eligible_gpus(spec, state, shape);
  if (shape.num_gpu > 1) {
    visit(lowest_gpus(eligible, shape.num_gpu));
    return;
  }
  GpuMask seen_values_done = 0;
  for (int g = 0; g < spec.num_gpus; ++g) {
    const GpuMask bit = GpuMask{1} << g;
    if (!(eligible & bit) || (seen_values_done & bit)) continue;
    for (int h = g; h < spec.num_gpus; ++h) {
      if (state.free_milli[h] == state.free_milli[g] &&
          state.free_gpu_memory[h] == state.free_gpu_memory[g]) {
        seen_values_done |= GpuMask{1} << h;
      }
    }
    visit(bit);
  }
}

}  // namespace fastgpu
