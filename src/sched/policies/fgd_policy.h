#pragma once
// FGD: Fragmentation Gradient Descent (Weng et al., USENIX ATC '23).

#include "sched/fragmentation.h"
#include "sched/placement_policy.h"

namespace fastgpu {

/// Places a task where it increases the node's fragmentation (FragmentationModel) the least:
/// for every node and every GPU choice on it, score = -(frag after - frag before).
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
