#include "sched/placer.h"

#include <algorithm>

namespace fastgpu {
namespace {
// Distinct shapes cached at once; past this the cache starts afresh (memory stays bounded).
constexpr size_t kMaxCachedShapes = 1024;
}  // namespace

Placer::Placer(const CapacityLedger& ledger, std::unique_ptr<PlacementPolicy> policy,
               uint64_t seed)
    : ledger_(ledger), policy_(std::move(policy)), rng_(seed) {
  const size_t n = ledger_.node_count();
  node_at_.resize(n);
  for (size_t i = 0; i < n; ++i) node_at_[i] = static_cast<NodeIndex>(i);
  for (size_t i = n; i > 1; --i) std::swap(node_at_[i - 1], node_at_[rng_.below(i)]);
  position_.resize(n);
  for (size_t p = 0; p < n; ++p) position_[node_at_[p]] = static_cast<uint32_t>(p);
}

Placer::ShapeCache& Placer::cache_for(const TaskShape& shape) {
  auto it = caches_.find(shape);
  if (it != caches_.end()) return it->second;
  if (caches_.size() >= kMaxCachedShapes) caches_.clear();
  ShapeCache& cache = caches_[shape];
  const size_t n = ledger_.node_count();
  cache.score.assign(n, kNoFit);
  cache.gpus.assign(n, 0);
  cache.feasible = std::any_of(ledger_.specs().begin(), ledger_.specs().end(),
                               [&](const NodeSpec& spec) { return fits_when_empty(spec, shape); });
  cache.seen = ledger_.change_sequence();
  for (NodeIndex i = 0; i < n && cache.feasible; ++i) rescore(cache, shape, i);
  return cache;
}

void Placer::rescore(ShapeCache& cache, const TaskShape& shape, NodeIndex n) const {
  const NodeSpec& spec = ledger_.spec(n);
  const NodeState& state = ledger_.state(n);
  const uint32_t p = position_[n];
  if (!fits_now(spec, state, shape)) {
    cache.score[p] = kNoFit;
    return;
  }
  NodeScore s = policy_->score(spec, state, shape);
  cache.score[p] = std::max(s.score, kNoFit + 1);
  cache.gpus[p] = s.gpus;
}

void Placer::refresh(ShapeCache& cache, const TaskShape& shape) const {
  const uint64_t now = ledger_.change_sequence();
  const bool journal_ok = now - cache.seen <= ledger_.node_count() / 2 &&
                          ledger_.for_each_change_since(
                              cache.seen, [&](NodeIndex n) { rescore(cache, shape, n); });
  if (!journal_ok) {
    for (NodeIndex i = 0; i < ledger_.node_count(); ++i) rescore(cache, shape, i);
  }
  cache.seen = now;
}

size_t Placer::pick(const ShapeCache& cache, int64_t best) {
  const int64_t* scores = cache.score.data();
  const size_t n = cache.score.size();
  if (policy_->tie_break() == TieBreak::kFixedOrder) {
    return static_cast<size_t>(std::find(scores, scores + n, best) - scores);
  }
  const size_t ties = static_cast<size_t>(std::count(scores, scores + n, best));
  size_t skip = rng_.below(ties);
  for (size_t p = 0;; ++p) {
    if (scores[p] == best && skip-- == 0) return p;
  }
}

PlaceDecision Placer::decide(const TaskShape& shape) {
  ShapeCache& cache = cache_for(shape);
  if (!cache.feasible) return {PlaceOutcome::kInfeasible, {}};
  refresh(cache, shape);
  const int64_t best = *std::max_element(cache.score.begin(), cache.score.end());
  if (best == kNoFit) return {PlaceOutcome::kNotNow, {}};
  const size_t p = pick(cache, best);
  const NodeIndex chosen = node_at_[p];
  const GpuMask gpus = policy_->choose_gpus(ledger_.spec(chosen), ledger_.state(chosen), shape,
                                            cache.gpus[p], rng_);
  return {PlaceOutcome::kPlaced, {chosen, gpus}};
}

}  // namespace fastgpu
