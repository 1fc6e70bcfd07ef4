#pragma once
// What the scheduler knows about one registered agent (a GPU host running fastgpu-agent).

#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/capacity_ledger.h"
#include "server/loop/agent_outbox.h"

namespace fastgpu {

/// One agent as the scheduler loop keeps it; owned by the loop thread. An agent is never
/// forgotten while the daemon runs: one that comes back under the same name gets its nodes back.
struct AgentSession {
  int64_t id = 0;
  std::string name;
  size_t gpu_count = 0;           // a returning agent must report as many GPUs
  int64_t epoch = 0;              // current session; syncs of other sessions are refused
  std::string credential;         // the agent's own, bound at registration; syncs carry it
  std::string barred_credential;  // an agent an admin removed: refused until it restarts
  bool ready = false;             // heartbeating; false once silent for the node timeout
  bool retired = false;           // given back by the autoscaler: never ready again
  bool draining = false;          // its node is being reclaimed: what its tasks free stays fenced
  std::vector<NodeIndex> nodes;   // its ledger nodes
  std::vector<NodeFence> fences;  // capacity fenced off its nodes while it is not ready
  std::chrono::steady_clock::time_point last_seen;
  int64_t last_seen_us = 0;    // wall clock of last_seen, for the API
  std::set<int64_t> assigned;  // tasks committed running on it whose end is not known yet
  std::shared_ptr<AgentOutbox> outbox = std::make_shared<AgentOutbox>();
};

}  // namespace fastgpu
