#include "core/capacity_ledger.h"

#include <cstdint>
#include <string>

namespace fastgpu {
namespace {
constexpr size_t kJournalSize = size_t{1} << 16;

std::string where(const Placement& p) { return "node " + std::to_string(p.node); }
}  // namespace

CapacityLedger::CapacityLedger(std::vector<NodeSpec> nodes)
    : specs_(std::move(nodes)), journal_(kJournalSize) {
  states_.reserve(specs_.size());
  for (const NodeSpec& s : specs_) {
    states_.push_back(empty_node_state(s));
    add_totals(s);
  }
}

void CapacityLedger::add_totals(const NodeSpec& spec) {
  // An agent's node may report its memory as unlimited (a huge value): the sums saturate.
  const auto saturating_add = [](int64_t* sum, int64_t value) {
    *sum = value > 0 && *sum > INT64_MAX - value ? INT64_MAX : *sum + value;
  };
  total_gpu_milli_ += int64_t{spec.num_gpus} * kMilliPerGpu;
  saturating_add(&total_cpu_milli_, spec.cpu_milli);
  saturating_add(&total_memory_mib_, spec.memory_mib);
}

NodeIndex CapacityLedger::add_node(NodeSpec spec) {
  states_.push_back(empty_node_state(spec));
  add_totals(spec);
  specs_.push_back(std::move(spec));
  const NodeIndex n = static_cast<NodeIndex>(specs_.size() - 1);
  record_change(n);
  return n;
}

NodeFence CapacityLedger::fence_node(NodeIndex n) {
  NodeFence fence;
  const NodeState& st = states_[n];
  const auto take = [&](const TaskShape& shape, GpuMask gpus) {
    if (allocate(shape, Placement{n, gpus}).is_ok())
      fence.taken.emplace_back(shape, Placement{n, gpus});
  };
  for (int g = 0; g < specs_[n].num_gpus; ++g) {
    if (st.free_milli[g] > 0)
      take(TaskShape{0, 0, 1, st.free_milli[g], st.free_gpu_memory[g]}, GpuMask{1} << g);
  }
  if (st.free_cpu > 0 || st.free_memory > 0)
    take(TaskShape{st.free_cpu, st.free_memory, 0, 0, 0}, 0);
  return fence;
}

void CapacityLedger::lift_fence(const NodeFence& fence) {
  for (const auto& [shape, placement] : fence.taken) (void)release(shape, placement);
}

Status CapacityLedger::check(const TaskShape& shape, const Placement& p) const {
  if (p.node >= specs_.size()) return Status::invalid_argument(where(p) + " does not exist");
  const NodeSpec& spec = specs_[p.node];
  const NodeState& st = states_[p.node];
  if (gpu_count(p.gpus) != shape.num_gpu) {
    return Status::invalid_argument(where(p) + ": placement names " +
                                    std::to_string(gpu_count(p.gpus)) + " GPUs, task needs " +
                                    std::to_string(shape.num_gpu));
  }
  if (shape.num_gpu > 0 && (p.gpus >> spec.num_gpus) != 0) {
    return Status::invalid_argument(where(p) + ": placement names a GPU the node lacks");
  }
  if (shape.num_gpu > 0 && (shape.allowed_models & model_bit(spec.model)) == 0) {
    return Status::failed_precondition(where(p) + ": GPU model not allowed for the task");
  }
  if (st.free_cpu < shape.cpu_milli) return Status::resource_exhausted(where(p) + ": CPU");
  if (st.free_memory < shape.memory_mib) return Status::resource_exhausted(where(p) + ": memory");
  if ((eligible_gpus(spec, st, shape) & p.gpus) != p.gpus) {
    return Status::resource_exhausted(where(p) + ": GPU share or GPU memory");
  }
  return Status::ok();
}

Status CapacityLedger::allocate(const TaskShape& shape, const Placement& p) {
  if (Status s = check(shape, p); !s.is_ok()) return s;
  NodeState& st = states_[p.node];
  st.free_cpu -= shape.cpu_milli;
  st.free_memory -= shape.memory_mib;
  for (int g = 0; g < kMaxGpusPerNode; ++g) {
    if (p.gpus & (GpuMask{1} << g)) {
      st.free_milli[g] -= shape.gpu_milli;
      st.free_gpu_memory[g] -= shape.gpu_memory_mib;
    }
  }
  if (int c = gpu_class(shape); c >= 0) ++st.tasks_by_gpu_class[c];
  allocated_gpu_milli_ += shape.total_gpu_milli();
  record_change(p.node);
  return Status::ok();
}

Status CapacityLedger::release(const TaskShape& shape, const Placement& p) {
  if (p.node >= specs_.size()) return Status::invalid_argument(where(p) + " does not exist");
  const NodeSpec& spec = specs_[p.node];
  NodeState& st = states_[p.node];
  bool ok = gpu_count(p.gpus) == shape.num_gpu && (p.gpus >> spec.num_gpus) == 0 &&
            st.free_cpu + shape.cpu_milli <= spec.cpu_milli &&
            st.free_memory + shape.memory_mib <= spec.memory_mib;
  for (int g = 0; ok && g < spec.num_gpus; ++g) {
    if (p.gpus & (GpuMask{1} << g)) {
      ok = st.free_milli[g] + shape.gpu_milli <= kMilliPerGpu &&
           st.free_gpu_memory[g] + shape.gpu_memory_mib <= spec.gpu_memory_mib;
    }
  }
  const int cls = gpu_class(shape);
  ok = ok && (cls < 0 || st.tasks_by_gpu_class[cls] > 0);
  if (!ok) {
    return Status::failed_precondition(where(p) + ": release of capacity that is not allocated");
  }
  st.free_cpu += shape.cpu_milli;
  st.free_memory += shape.memory_mib;
  for (int g = 0; g < spec.num_gpus; ++g) {
    if (p.gpus & (GpuMask{1} << g)) {
      st.free_milli[g] += shape.gpu_milli;
      st.free_gpu_memory[g] += shape.gpu_memory_mib;
    }
  }
  if (cls >= 0) --st.tasks_by_gpu_class[cls];
  allocated_gpu_milli_ -= shape.total_gpu_milli();
  record_change(p.node);
  return Status::ok();
}

void CapacityLedger::record_change(NodeIndex n) {
  journal_[sequence_ & (journal_.size() - 1)] = n;
  ++sequence_;
}

}  // namespace fastgpu
