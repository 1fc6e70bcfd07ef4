#pragma once
// A node of the pool: its fixed capacity (NodeSpec) and its free capacity (NodeState).

#include <array>
#include <bit>
#include <string>

#include "core/gpu_model.h"
#include "core/task.h"
#include "core/units.h"

namespace fastgpu {

/// Position of a node in its ledger; dense from 0.
using NodeIndex = uint32_t;

/// Fixed capacity of a node. All of a node's GPUs are of one model.
struct NodeSpec {
  std::string name;
  MilliCpu cpu_milli = 0;
  MemoryMib memory_mib = 0;
  int32_t num_gpus = 0;
  GpuModelId model = 0;
  MemoryMib gpu_memory_mib = 0;  // per GPU
};

/// Free capacity of a node. GPU slots at or past NodeSpec::num_gpus are always 0.
struct NodeState {
  MilliCpu free_cpu = 0;
  MemoryMib free_memory = 0;
  std::array<MilliGpu, kMaxGpusPerNode> free_milli{};
  std::array<MemoryMib, kMaxGpusPerNode> free_gpu_memory{};
  /// Number of tasks on the node per gpu_class(): [0] GPU shares, [k] tasks of k whole GPUs.
  std::array<uint16_t, kMaxGpusPerNode + 1> tasks_by_gpu_class{};

  /// Free milli-GPU summed over the node's GPUs.
  int64_t free_gpu_milli_total() const {
    int64_t sum = 0;
    for (MilliGpu m : free_milli) sum += m;
    return sum;
  }
};

/// The state of a node with nothing allocated.
NodeState empty_node_state(const NodeSpec& spec);

/// GPUs of the node that could each take one GPU's part of `shape` right now
/// (share and GPU memory). Meaningless for CPU-only shapes.
GpuMask eligible_gpus(const NodeSpec& spec, const NodeState& state, const TaskShape& shape);

/// True when `shape` fits the node's free capacity: CPU, memory, GPU model, and enough
/// eligible GPUs.
bool fits_now(const NodeSpec& spec, const NodeState& state, const TaskShape& shape);

/// True when `shape` would fit the node were it empty: the test for "infeasible".
bool fits_when_empty(const NodeSpec& spec, const TaskShape& shape);

/// Number of GPUs in a mask.
inline int gpu_count(GpuMask mask) { return std::popcount(mask); }

}  // namespace fastgpu
