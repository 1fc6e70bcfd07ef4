#pragma once
// Policy names -> policy objects: the one place that knows every placement policy.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sched/placement_policy.h"
#include "sched/typical_workload.h"

namespace fastgpu {

/// What policies may need beyond the node and the task: the workload the pool expects.
struct PolicyContext {
  TypicalWorkload workload;
};

/// The policy used when --policy is omitted: ours.
inline constexpr std::string_view kDefaultPolicyName = "fgd-balanced";

/// Names of every policy, in the order tables list them.
std::vector<std::string_view> policy_names();

/// Builds the policy `name`; on an unknown name returns null and sets *error to a message that
/// lists the known names.
std::unique_ptr<PlacementPolicy> make_policy(std::string_view name, const PolicyContext& context,
                                             std::string* error);

}  // namespace fastgpu
