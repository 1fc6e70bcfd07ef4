#pragma once
// The agents fastgpud knows: their sessions by id and by name, which agent each ledger node
// belongs to, and the rules a returning agent's registration must pass.

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/node.h"
#include "core/status.h"
#include "core/wall_clock.h"
#include "server/loop/agent_session.h"

namespace fastgpu {

/// Registered agents, owned by the scheduler's loop thread (not thread-safe). An agent is never
/// forgotten while the daemon runs: one that comes back under its name gets its nodes back.
class AgentRegistry {
 public:
  /// A registry whose first `local_nodes` ledger nodes are this host's own (agent 0).
  explicit AgentRegistry(size_t local_nodes) : agent_of_node_(local_nodes, 0) {}

  /// The session of agent `id`, or of the agent named `name`; null when unknown.
  AgentSession* find(int64_t id);
  AgentSession* find_by_name(const std::string& name);
  /// The session of agent `id`, which must be known.
  AgentSession& at(int64_t id) { return agents_.at(id); }
  /// Every session, by id.
  std::unordered_map<int64_t, AgentSession>& sessions() { return agents_; }
  const std::unordered_map<int64_t, AgentSession>& sessions() const { return agents_; }

  /// A session for a new agent `name` with `gpu_count` GPUs, given the next id; not kept until
  /// add() (its nodes may still be refused).
  AgentSession make(const std::string& name, size_t gpu_count);
  /// Keeps `agent`, made by make(); returns the kept session.
  AgentSession& add(AgentSession agent);
  /// The next ledger node belongs to agent `id` (0: this host); nodes are added in order.
  void add_node(int64_t id) { agent_of_node_.push_back(id); }
  /// The agent ledger node `node` belongs to; 0 for this host's.
  int64_t agent_of(NodeIndex node) const { return agent_of_node_[node]; }
  /// A new session number: numbered from the start time in microseconds, so that a session of
  /// an earlier run of the daemon never matches one of this run.
  int64_t new_epoch() { return next_epoch_++; }

  /// Whether known agent `agent` may register again with `credential` and `gpu_count` GPUs:
  /// kFailedPrecondition when an admin removed it (and it did not restart), when it is still
  /// heartbeating under another credential, when the autoscaler retired it, or when it reports
  /// another number of GPUs.
  static Status check_return(const AgentSession& agent, const std::string& credential,
                             size_t gpu_count);

 private:
  std::unordered_map<int64_t, AgentSession> agents_;  // by id
  std::unordered_map<std::string, int64_t> by_name_;
  std::vector<int64_t> agent_of_node_;  // per ledger node: its agent, 0 for this host
  int64_t next_id_ = 1;
  int64_t next_epoch_ = wall_clock_us();
};

}  // namespace fastgpu
