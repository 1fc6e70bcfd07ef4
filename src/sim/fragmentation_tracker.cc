#include "sim/fragmentation_tracker.h"

namespace fastgpu {

FragmentationTracker::FragmentationTracker(const CapacityLedger& ledger,
                                           const FragmentationModel& model)
    : ledger_(ledger), model_(model), per_node_(ledger.node_count(), 0) {
  for (NodeIndex n = 0; n < ledger_.node_count(); ++n) recompute(n);
  seen_ = ledger_.change_sequence();
}

void FragmentationTracker::recompute(NodeIndex n) {
  int64_t now = model_.weighted(ledger_.spec(n), ledger_.state(n));
  sum_ += now - per_node_[n];
  per_node_[n] = now;
}

void FragmentationTracker::update() {
  if (!ledger_.for_each_change_since(seen_, [&](NodeIndex n) { recompute(n); })) {
    for (NodeIndex n = 0; n < ledger_.node_count(); ++n) recompute(n);
  }
  seen_ = ledger_.change_sequence();
}

double FragmentationTracker::fragmented_milli() const {
  const int64_t w = model_.total_weight();
  return w == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(w);
}

}  // namespace fastgpu
