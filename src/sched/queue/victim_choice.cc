#include "sched/queue/victim_choice.h"

#include <algorithm>
#include <bit>
#include <map>

namespace fastgpu {
namespace {

// The candidates of one node, by global rank (ascending: least important first).
struct NodeCandidates {
  NodeIndex node = 0;
  std::vector<size_t> ranks;
};

class VictimSearch {
 public:
  VictimSearch(std::span<const VictimCandidate> ranked, const FitsIfReleased& fits, size_t budget)
      : ranked_(ranked), fits_(fits), budget_(budget) {}

  // The best set on `node`, as ranks sorted descending; empty when none fits. Sets larger than
  // `max_size` are not searched.
  std::vector<size_t> best_on(const NodeCandidates& node, size_t max_size) {
    if (!fits_ranks(node.node, node.ranks)) return {};
    if (node.ranks.size() > 63 || calls_ >= budget_) return greedy_on(node);
    const size_t m = node.ranks.size();
    for (size_t k = 1; k <= std::min(m, max_size); ++k) {
      // Gosper's hack visits k-subsets by increasing mask: the highest rank is compared first,
      // which is the order of better_victim_set.
      for (uint64_t mask = (uint64_t{1} << k) - 1; mask < (uint64_t{1} << m);) {
        if (calls_ >= budget_) return greedy_on(node);
        std::vector<size_t> set = ranks_of(node, mask);
        if (fits_ranks(node.node, set)) {
          std::sort(set.rbegin(), set.rend());
          return set;
        }
        const uint64_t lowest = mask & -mask;
        const uint64_t ripple = mask + lowest;
        mask = (((ripple ^ mask) >> 2) / lowest) | ripple;
      }
    }
    return {};
  }

  bool exact() const { return exact_; }

 private:
  static std::vector<size_t> ranks_of(const NodeCandidates& node, uint64_t mask) {
    std::vector<size_t> set;
    for (; mask != 0; mask &= mask - 1) set.push_back(node.ranks[std::countr_zero(mask)]);
    return set;
  }

  bool fits_ranks(NodeIndex node, std::span<const size_t> ranks) {
    ++calls_;
    std::vector<uint64_t> ids;
    ids.reserve(ranks.size());
    for (size_t rank : ranks) ids.push_back(ranked_[rank].id);
    return fits_(node, ids);
  }

  // Least important first until it fits, then drops each victim it can do without, most
  // important first.
  std::vector<size_t> greedy_on(const NodeCandidates& node) {
    exact_ = false;
    std::vector<size_t> set;
    for (size_t rank : node.ranks) {
      set.push_back(rank);
      if (fits_ranks(node.node, set)) break;
    }
    for (size_t i = set.size(); i-- > 0;) {
      std::vector<size_t> without = set;
      without.erase(without.begin() + static_cast<std::ptrdiff_t>(i));
      if (!without.empty() && fits_ranks(node.node, without)) set = std::move(without);
    }
    std::sort(set.rbegin(), set.rend());
    return set;
  }

  std::span<const VictimCandidate> ranked_;
  const FitsIfReleased& fits_;
  size_t budget_;
  size_t calls_ = 0;
  bool exact_ = true;
};

}  // namespace

std::vector<VictimCandidate> ranked_victims(std::span<const VictimCandidate> candidates) {
  std::vector<VictimCandidate> ranked(candidates.begin(), candidates.end());
  std::sort(ranked.begin(), ranked.end(), [](const VictimCandidate& a, const VictimCandidate& b) {
    if (a.priority != b.priority) return a.priority < b.priority;
    return a.id > b.id;
  });
  return ranked;
}

bool better_victim_set(std::span<const size_t> a, std::span<const size_t> b) {
  if (a.size() != b.size()) return a.size() < b.size();
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
}

VictimChoice choose_victims(std::span<const VictimCandidate> candidates, const FitsIfReleased& fits,
                            size_t budget) {
  const std::vector<VictimCandidate> ranked = ranked_victims(candidates);
  std::map<NodeIndex, NodeCandidates> by_node;
  for (size_t rank = 0; rank < ranked.size(); ++rank) {
    NodeCandidates& node = by_node[ranked[rank].node];
    node.node = ranked[rank].node;
    node.ranks.push_back(rank);
  }
  VictimSearch search(ranked, fits, budget);
  std::vector<size_t> best;
  for (const auto& [node, on_node] : by_node) {
    const size_t max_size = best.empty() ? on_node.ranks.size() : best.size();
    std::vector<size_t> set = search.best_on(on_node, max_size);
    if (!set.empty() && (best.empty() || better_victim_set(set, best))) best = std::move(set);
  }
  VictimChoice choice;
  choice.exact = search.exact();
  for (size_t rank : best) choice.victims.push_back(ranked[rank].id);
  return choice;
}

}  // namespace fastgpu
