#include "sched/placer.h"

#include <algorithm>

namespace fastgpu {
namespace {
// Distinct shapes cached at once; past this the cache starts afresh (memory stays bounded).
constexpr size_t kMaxCachedShapes = 1024;
}  // namespace

Placer::Placer(const CapacityLedger& ledger, std::unique_ptr<PlacementPolicy> policy,
               uint64_t seed)
    : ledger_(ledger), policy_(std::move(policy)), rng_(seed) {}

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
  if (!fits_now(spec, state, shape)) {
    cache.score[n] = kNoFit;
    return;
  }
  NodeScore s = policy_->score(spec, state, shape);
  cache.score[n] = std::max(s.score, kNoFit + 1);
  cache.gpus[n] = s.gpus;
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

PlaceDecision Placer::decide(const TaskShape& shape) {
  ShapeCache& cache = cache_for(shape);
  if (!cache.feasible) return {PlaceOutcome::kInfeasible, {}};
  refresh(cache, shape);

  const int64_t* scores = cache.score.data();
  const size_t n = cache.score.size();
  int64_t best = kNoFit;
  for (size_t i = 0; i < n; ++i) best = std::max(best, scores[i]);
  if (best == kNoFit) return {PlaceOutcome::kNotNow, {}};

  ties_.clear();
  for (size_t i = 0; i < n; ++i) {
    if (scores[i] == best) ties_.push_back(static_cast<NodeIndex>(i));
  }
  NodeIndex chosen = ties_.size() == 1 ? ties_[0] : ties_[rng_.below(ties_.size())];
  GpuMask gpus = policy_->choose_gpus(ledger_.spec(chosen), ledger_.state(chosen), shape,
                                      cache.gpus[chosen], rng_);
  return {PlaceOutcome::kPlaced, {chosen, gpus}};
}

}  // namespace fastgpu
