#pragma once
// FGD: Fragmentation Gradient Descent (Weng et al., USENIX ATC '23).

#include "sched/fragmentation.h"
#include "sched/placement_policy.h"

namespace fastgpu {

/// Score of a placement that changes a node's weighted fragmentation from `before` to `after`:
/// int(100 × sigmoid(fragment removed, in GPUs)), as the FGD reference computes it. The
/// truncation to integers makes plateaus (every small change scores 49 or 50) whose ties the
/// engine breaks at random.
int64_t fgd_score_of_change(int64_t weighted_before, int64_t weighted_after, int64_t total_weight);

/// Places a task where it increases the node's fragmentation (FragmentationModel) the least:
/// every node and every distinct GPU choice on it is scored with fgd_score_of_change(); the
/// lowest-indexed GPU choice wins among equal scores.
class FgdPolicy final : public PlacementPolicy {
 public:
  explicit FgdPolicy(FragmentationModel model) : model_(std::move(model)) {}
  std::string_view name() const override { return "fgd"; }
  NodeScore score(const NodeSpec& spec, const NodeState& state,
                  const TaskShape& shape) const override;

 private:
  FragmentationModel model_;
};

}  // namespace fastgpu
