#pragma once
// A QueueHost over a real capacity ledger and placer, for the queue engine's tests: it starts
// tasks by placing them, and stops victims when the test says their processes ended.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/capacity_ledger.h"
#include "sched/placer.h"
#include "sched/queue/node_fences.h"
#include "sched/queue/queue_engine.h"
#include "sched/queue/queue_host.h"

namespace fastgpu {

/// Whole-GPU nodes of `gpus` GPUs each (V100, 64 cores, 256 GiB).
std::vector<NodeSpec> gpu_nodes(int nodes, int gpus);
/// A task asking `gpus` whole GPUs (or a share when below 1: 0.5 -> 500 milli on one GPU).
TaskShape gpu_shape(double gpus);

/// The host of the engine under test: places on a ledger, remembers what runs.
class LedgerHost : public QueueHost {
 public:
  explicit LedgerHost(std::vector<NodeSpec> nodes);

  StartVerdict try_start(const QueueEntry& entry, const QuotaRoom& room) override;
  bool waits_only_for_gpus(const QueueEntry& entry) override;
  bool stoppable(uint64_t id) const override;
  bool fits_if_released(const QueueEntry& entry, NodeIndex node,
                        std::span<const uint64_t> victims) override;
  PoolCapacity pool_capacity() const override {
    return {ledger_.total_gpu_milli(), ledger_.total_cpu_milli(), ledger_.total_memory_mib()};
  }
  void fence_node(NodeIndex node) override { fences_.fence(node); }
  void lift_node_fence(NodeIndex node) override { fences_.lift(node); }
  void preempt(uint64_t victim, std::string_view reason) override;

  /// Task `id` ends: its capacity goes back to the ledger and the engine.
  void end(uint64_t id, QueueEngine& engine);
  /// Ends every preempted task (their processes are gone).
  void end_preempted(QueueEngine& engine);
  /// Places `shape` as running task `id` outside the engine (a task already running).
  Holding run(uint64_t id, const TaskShape& shape);

  const std::vector<uint64_t>& started() const { return started_; }
  const std::vector<uint64_t>& preempted() const { return preempted_; }
  std::string last_preempt_reason() const { return last_reason_; }
  bool running(uint64_t id) const { return running_.contains(id); }
  CapacityLedger& ledger() { return ledger_; }

 private:
  struct Running {
    TaskShape shape;
    Placement placement;
  };
  CapacityLedger ledger_;
  NodeFences fences_{ledger_};
  std::unique_ptr<Placer> placer_;
  std::map<uint64_t, Running> running_;
  std::set<uint64_t> stopping_;
  std::vector<uint64_t> started_;
  std::vector<uint64_t> preempted_;
  std::string last_reason_;
};

}  // namespace fastgpu
