#pragma once
// The pool of the autoscaled replay: nodes that come and go as the autoscaler decides, driven
// by the replay's event loop through its hooks.

#include <cstdint>
#include <queue>
#include <string>
#include <vector>

#include "autoscale/autoscaler.h"
#include "autoscale/cost_account.h"
#include "autoscale/node_catalog.h"
#include "autoscale/spot_fallback.h"
#include "core/rng.h"
#include "sim/replay_engine.h"

namespace fastgpu {

/// How the replay's spot nodes are taken back: each ready node of type t is reclaimed after an
/// exponentially distributed time of mean 1 / per_hour[t] hours (a Poisson process of that
/// rate), drawn from `seed`. per_hour empty or all 0: never. `spot_never`: spot types are never
/// started for demand (the on-demand-only pool beside a run with reclaims; min_nodes of a spot
/// base type are still started).
struct ReclaimModel {
  std::vector<double> per_hour;  // by type
  uint64_t seed = 1;
  bool spot_never = false;
};

/// One logged decision of the autoscaler, with its time and reason.
struct AutoscaleEvent {
  int64_t time = 0;
  std::string action;     // "scale-up", "scale-down", "held-back", "reclaimed" or "fallback"
  std::string node_type;  // empty for "held-back"
  int64_t count = 0;      // nodes asked for or removed
  std::string node;       // the node removed; empty otherwise
  std::string reason;
};

/// The pool's size at a time, from that time until the next sample.
struct PoolSizeSample {
  int64_t time = 0;
  int64_t nodes = 0;  // booting and ready
  int64_t gpus = 0;
};

/// A replay's elastic pool.
///
/// The ledger the replay runs on holds a fixed set of slots: for each catalog type as many as
/// the limits could ever let run at once (max_nodes, and the budget divided by the type's
/// price). A slot out of the pool is held whole by a placeholder allocation, so the placement
/// engine sees it full; a node joins the pool when its placeholder is released (once booted)
/// and leaves when it is taken again. This keeps the ledger's node set fixed, as the Placer
/// requires, and the scheduling code unchanged.
///
/// Every `period` seconds (from the first arrival) the autoscaler decides on the waiting tasks
/// and the current nodes; new nodes boot for their type's boot time, idle ones are removed.
/// Spot nodes are taken back as `reclaims` says: their tasks queue again (work lost), the node
/// leaves, and the live autoscaler's SpotFallback rule withholds a type reclaimed too often.
/// A node is charged from its request until its removal or the end of the replay.
class ElasticPool final : public ReplayHooks {
 public:
  /// `catalog` and `autoscaler` must outlive the pool. period > 0. `strict_fifo` tells that the
  /// replay runs without backfill: then only a prefix of the queue can start, and the pool asks
  /// the autoscaler to cover the longest prefix the limits allow, not tasks behind it (nodes for
  /// those would sit idle behind the blocked head, be removed and be asked for again).
  ElasticPool(const NodeCatalog& catalog, const Autoscaler& autoscaler, int64_t period,
              bool strict_fifo, ReclaimModel reclaims = {});

  /// The specs of every slot, in ledger order: the ledger must be built from exactly these.
  const std::vector<NodeSpec>& slot_specs() const { return slot_specs_; }

  /// Takes every slot out of the pool but min_nodes of the base type, which start ready at
  /// `start_time`. Call once, on the fresh ledger built from slot_specs(), before the replay.
  Status open_initial(CapacityLedger& ledger, int64_t start_time);

  /// Charges the nodes still in the pool up to `end_time` and closes the size series.
  void finish(int64_t end_time);

  const CostAccount& costs() const { return costs_; }
  const std::vector<AutoscaleEvent>& events() const { return events_; }
  const std::vector<PoolSizeSample>& sizes() const { return sizes_; }
  int64_t nodes_started() const { return nodes_started_; }
  int64_t nodes_removed() const { return nodes_removed_; }
  /// Spot nodes taken back.
  int64_t nodes_reclaimed() const { return nodes_reclaimed_; }
  int64_t max_nodes_seen() const { return max_nodes_seen_; }
  /// Time-weighted mean of the node count over [start_time, end_time]; valid after finish().
  double mean_nodes() const { return mean_nodes_; }

  int64_t next_time() const override;
  Status before_scan(int64_t t, ReplayEngine& engine) override;
  Status after_scan(int64_t t, ReplayEngine& engine) override;
  void on_start(NodeIndex n, int64_t t) override;
  void on_release(NodeIndex n, int64_t t) override;
  int64_t unavailable_gpu_milli() const override { return total_milli_ - ready_milli_; }

 private:
  enum class SlotState : uint8_t { kOut, kBooting, kReady };
  struct Slot {
    size_t type = 0;
    SlotState state = SlotState::kOut;
    int64_t requested_at = 0;
    int64_t running = 0;  // tasks on the node
    int64_t idle_since = 0;
    uint32_t life = 0;  // how many times it joined: a reclaim drawn for an earlier life is void
  };
  struct Reclaim {
    int64_t at = 0;
    NodeIndex slot = 0;
    uint32_t life = 0;
    bool operator>(const Reclaim& o) const { return at != o.at ? at > o.at : slot > o.slot; }
  };
  struct Boot {
    int64_t ready_at = 0;
    NodeIndex slot = 0;
    bool operator>(const Boot& o) const {
      return ready_at != o.ready_at ? ready_at > o.ready_at : slot > o.slot;
    }
  };

  bool pass_may_differ(int64_t t, size_t queued) const;
  AutoscaleDecisions decide(int64_t t, const std::vector<TaskShape>& pending) const;
  AutoscaleDecisions decide_in_order(int64_t t, const std::vector<TaskShape>& pending,
                                     const std::vector<PoolNode>& nodes) const;
  std::vector<PoolNode> pool_nodes() const;
  Status scale_up(int64_t t, const ScaleUp& up);
  Status scale_down(int64_t t, const ScaleDown& down, ReplayEngine& engine,
                    const char* action = "scale-down");
  void draw_reclaim(NodeIndex n, int64_t ready_at);
  Status take_back_reclaimed(int64_t t, ReplayEngine& engine);
  std::vector<bool> withheld(int64_t t) const;
  void log_held_back(int64_t t, const AutoscaleDecisions& d);
  void record_size(int64_t t);
  int64_t gpu_milli_of(NodeIndex n) const;

  const NodeCatalog& catalog_;
  const Autoscaler& autoscaler_;
  int64_t period_;
  bool strict_fifo_;
  std::vector<NodeSpec> slot_specs_;
  std::vector<Slot> slots_;
  std::vector<std::vector<NodeIndex>> free_slots_;  // by type: slots out of the pool
  std::vector<NodeIndex> active_;                   // slots booting or ready
  std::priority_queue<Boot, std::vector<Boot>, std::greater<>> boots_;
  ReclaimModel model_;
  Rng rng_;
  std::priority_queue<Reclaim, std::vector<Reclaim>, std::greater<>> reclaims_;
  SpotFallback fallback_;
  int64_t next_tick_ = 0;
  bool changed_ = true;  // since the last autoscaler pass: a task started or ended, a node came
  size_t queued_at_last_pass_ = 0;
  int64_t total_milli_ = 0;
  int64_t ready_milli_ = 0;
  int64_t active_gpus_ = 0;

  CostAccount costs_;
  std::vector<AutoscaleEvent> events_;
  std::string last_held_back_;
  std::vector<PoolSizeSample> sizes_;
  int64_t nodes_started_ = 0;
  int64_t nodes_removed_ = 0;
  int64_t nodes_reclaimed_ = 0;
  int64_t max_nodes_seen_ = 0;
  double mean_nodes_ = 0;
};

}  // namespace fastgpu
