#include "ledger_host.h"

#include <cmath>

#include "core/gpu_model.h"
#include "sched/policy_registry.h"

namespace fastgpu {

std::vector<NodeSpec> gpu_nodes(int nodes, int gpus) {
  const GpuModelId model = *find_gpu_model("V100M16");
  std::vector<NodeSpec> specs;
  for (int i = 0; i < nodes; ++i) {
    NodeSpec spec{"n", 64000, 262144, gpus, model, gpu_model_spec(model).memory_mib};
    spec.name += std::to_string(i);
    specs.push_back(std::move(spec));
  }
  return specs;
}

TaskShape gpu_shape(double gpus) {
  if (gpus < 1) return {1000, 1024, 1, static_cast<MilliGpu>(std::lround(gpus * 1000)), 0};
  return {1000, 1024, static_cast<int32_t>(gpus), kMilliPerGpu, 0};
}

LedgerHost::LedgerHost(std::vector<NodeSpec> nodes) : ledger_(std::move(nodes)) {
  std::string error;
  placer_ = std::make_unique<Placer>(ledger_, make_policy("best-fit", {}, &error), 1);
}

StartVerdict LedgerHost::try_start(const QueueEntry& entry, const QuotaRoom& room) {
  StartVerdict verdict;
  if (entry.shape.total_gpu_milli() > room.gpu_milli) {
    verdict.reason = PendingReason::kQuota;
    return verdict;
  }
  const PlaceDecision decision = placer_->decide(entry.shape);
  if (decision.outcome != PlaceOutcome::kPlaced ||
      !ledger_.allocate(entry.shape, decision.placement).is_ok()) {
    return verdict;
  }
  running_[entry.id] = {entry.shape, decision.placement};
  started_.push_back(entry.id);
  verdict.outcome = StartVerdict::Outcome::kStarted;
  verdict.held.gpu_milli = entry.shape.total_gpu_milli();
  verdict.held.cpu_milli = entry.shape.cpu_milli;
  verdict.held.memory_mib = entry.shape.memory_mib;
  verdict.held.node = decision.placement.node;
  return verdict;
}

bool LedgerHost::waits_only_for_gpus(const QueueEntry& entry) {
  TaskShape gpus_only = entry.shape;
  gpus_only.cpu_milli = 0;
  gpus_only.memory_mib = 0;
  return placer_->decide(gpus_only).outcome != PlaceOutcome::kPlaced;
}

bool LedgerHost::stoppable(uint64_t id) const {
  return running_.contains(id) && !stopping_.contains(id);
}

bool LedgerHost::fits_if_released(const QueueEntry& entry, NodeIndex node,
                                  std::span<const uint64_t> victims) {
  for (uint64_t victim : victims) {
    const Running& r = running_.at(victim);
    (void)ledger_.release(r.shape, r.placement);
  }
  const bool fits = fits_now(ledger_.spec(node), ledger_.state(node), entry.shape);
  for (uint64_t victim : victims) {
    const Running& r = running_.at(victim);
    (void)ledger_.allocate(r.shape, r.placement);
  }
  return fits;
}

void LedgerHost::preempt(uint64_t victim, std::string_view reason) {
  stopping_.insert(victim);
  preempted_.push_back(victim);
  last_reason_ = std::string(reason);
}

void LedgerHost::end(uint64_t id, QueueEngine& engine) {
  const Running& r = running_.at(id);
  (void)ledger_.release(r.shape, r.placement);
  running_.erase(id);
  stopping_.erase(id);
  engine.release(id);
}

void LedgerHost::end_preempted(QueueEngine& engine) {
  for (uint64_t id : std::set<uint64_t>(stopping_.begin(), stopping_.end())) end(id, engine);
}

Holding LedgerHost::run(uint64_t id, const TaskShape& shape) {
  const PlaceDecision decision = placer_->decide(shape);
  (void)ledger_.allocate(shape, decision.placement);
  running_[id] = {shape, decision.placement};
  Holding held;
  held.id = id;
  held.gpu_milli = shape.total_gpu_milli();
  held.cpu_milli = shape.cpu_milli;
  held.memory_mib = shape.memory_mib;
  held.node = decision.placement.node;
  return held;
}

}  // namespace fastgpu
