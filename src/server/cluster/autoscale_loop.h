#pragma once
// The live autoscaler of fastgpud: every period it looks at the pending pool tasks and the
// nodes it started, asks the Autoscaler decision engine what to change, carries the decisions
// out through a NodeProvider and logs each with its reason.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "autoscale/autoscaler.h"
#include "autoscale/cost_account.h"
#include "autoscale/spot_fallback.h"
#include "server/cluster/node_provider.h"
#include "server/cluster/scale_log.h"
#include "server/loop/scheduler.h"

namespace fastgpu {

/// One node the autoscaler asked for, as the API shows it.
struct AutoscaledNode {
  std::string name;   // the agent's name
  size_t type = 0;    // index into the catalog
  std::string state;  // "booting", "ready", "interrupted" (draining a reclaim), "removed",
                      // "lost" or "reclaimed"
  bool idle = false;
  int64_t requested_us = 0;    // wall clock of the scale-up: billing starts here
  int64_t ready_us = 0;        // when it was first seen ready; 0 while booting
  int64_t stopped_us = 0;      // when it was given back; 0 while it lives
  pid_t pid = 0;               // its agent on this machine (local provider), else 0
  int64_t drain_until_us = 0;  // interrupted: given back once idle, or at this time at the latest
};

/// Adds "type", "autoscale_state" and "pid" (null when unknown) to each node of a /v1/nodes
/// body (`nodes`) whose host is one of `autoscaled`.
void mark_autoscaled(const std::vector<AutoscaledNode>& autoscaled, const NodeCatalog& catalog,
                     nlohmann::json* nodes);

/// Runs the live autoscaler on its own thread. The scheduler and the provider are used from
/// that thread only (the provider is owned); the log, the nodes and the cost are read from API
/// threads. Billing: a node costs from its scale-up request until it is given back, charged to
/// the CostAccount in whole seconds (rounded to nearest) when it stops; live nodes are charged
/// up to the moment of the query.
class AutoscaleLoop {
 public:
  struct Config {
    NodeCatalog catalog;
    PoolLimits limits;  // the catalog's, with the flags' overrides
    std::chrono::milliseconds period{15'000};
    std::string pack_policy = "fgd-balanced";  // how demand is packed onto candidate nodes
  };

  AutoscaleLoop(Scheduler* scheduler, Config config, std::unique_ptr<NodeProvider> provider);
  /// Stops the thread; the provider's destructor decides what happens to its nodes.
  ~AutoscaleLoop();

  /// Starts and stops the thread. stop() waits for the pass in progress.
  void start();
  void stop();
  /// One pass, on the caller's thread (start() calls it every period).
  void run_once();

  /// True when some catalog type could hold a task of `shape` on an empty node. Thread-safe.
  bool feasible(const TaskShape& shape) const { return autoscaler_.feasible(shape); }
  const ScaleLog& log() const { return log_; }
  /// The nodes started so far (the last 1,000 given back, and every live one). Thread-safe.
  std::vector<AutoscaledNode> nodes() const;
  /// {"types": [{type, price_per_hour, node_seconds, gpu_seconds, cost, reclaims}], "total": {...},
  ///  "nodes": [...]}, costs in dollars. Thread-safe.
  nlohmann::json cost_json() const;
  const NodeCatalog& catalog() const { return config_.catalog; }

 private:
  void loop();
  void observe(const Scheduler::AutoscaleView& view, int64_t now_us);
  std::vector<PoolNode> pool_nodes() const;
  void scale_down(const ScaleDown& down, int64_t now_us);
  void scale_up(const ScaleUp& up, int64_t now_us);
  std::string update(AutoscaledNode& node, const Scheduler::AgentUse* agent, int64_t now_us);
  void lose(size_t index, const std::string& why, int64_t now_us);
  void interrupt(const std::string& name, const std::string& detail, int64_t now_us);
  void give_back_drained(const Scheduler::AutoscaleView& view, int64_t now_us);
  void give_back(size_t index, const std::string& state, int64_t now_us);
  void note(std::string action, std::string type, std::string node, int64_t count,
            std::string reason, int64_t now_us);
  std::string next_name(size_t type);

  Scheduler* const scheduler_;
  const Config config_;
  const Autoscaler autoscaler_;
  std::unique_ptr<NodeProvider> provider_;
  ScaleLog log_;
  std::string last_held_back_;  // logged once until it changes
  int64_t next_serial_ = 1;
  std::unordered_map<std::string, int64_t> idle_since_s_;  // live nodes seen idle, by name

  mutable std::mutex mu_;
  std::vector<AutoscaledNode> live_;    // guarded by mu_
  std::deque<AutoscaledNode> history_;  // guarded by mu_: given back, newest last
  CostAccount account_;                 // guarded by mu_: the nodes given back
  SpotFallback fallback_;               // guarded by mu_: reclaims per type

  std::mutex wake_mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by wake_mu_
  std::thread thread_;
};

}  // namespace fastgpu
