#pragma once
// The node fences a queue host keeps for the engine (QueueHost::fence_node), over its ledger.

#include <unordered_map>

#include "core/capacity_ledger.h"

namespace fastgpu {

/// Fences taken on a CapacityLedger by node, each lifted by node. Not thread-safe; the ledger
/// must outlive it.
class NodeFences {
 public:
  explicit NodeFences(CapacityLedger& ledger) : ledger_(ledger) {}
  /// Takes what is free on `node` now (CapacityLedger::fence_node); a node already fenced here
  /// is left as it is.
  void fence(NodeIndex node) {
    if (!fences_.contains(node)) fences_.emplace(node, ledger_.fence_node(node));
  }
  /// Gives back what fence(node) took; nothing when `node` is not fenced here.
  void lift(NodeIndex node) {
    auto it = fences_.find(node);
    if (it == fences_.end()) return;
    ledger_.lift_fence(it->second);
    fences_.erase(it);
  }

 private:
  CapacityLedger& ledger_;
  std::unordered_map<NodeIndex, NodeFence> fences_;
};

}  // namespace fastgpu
