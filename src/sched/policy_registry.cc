#include "sched/policy_registry.h"

#include <functional>

#include "sched/policies/best_fit_policy.h"
#include "sched/policies/dot_product_policy.h"
#include "sched/policies/fgd_balanced_policy.h"
#include "sched/policies/fgd_policy.h"
#include "sched/policies/gpu_clustering_policy.h"
#include "sched/policies/gpu_packing_policy.h"
#include "sched/policies/random_policy.h"

namespace fastgpu {
namespace {

struct Entry {
  std::string_view name;
  std::function<std::unique_ptr<PlacementPolicy>(const PolicyContext&)> make;
};

const std::vector<Entry>& registry() {
  static const std::vector<Entry> entries = {
      {"random", [](const PolicyContext&) { return std::make_unique<RandomPolicy>(); }},
      {"dot-product", [](const PolicyContext&) { return std::make_unique<DotProductPolicy>(); }},
      {"gpu-clustering",
       [](const PolicyContext&) { return std::make_unique<GpuClusteringPolicy>(); }},
      {"gpu-packing", [](const PolicyContext&) { return std::make_unique<GpuPackingPolicy>(); }},
      {"best-fit", [](const PolicyContext&) { return std::make_unique<BestFitPolicy>(); }},
      {"fgd",
       [](const PolicyContext& c) {
         return std::make_unique<FgdPolicy>(FragmentationModel(c.workload));
       }},
      {"fgd-balanced",
       [](const PolicyContext& c) { return std::make_unique<FgdBalancedPolicy>(c.workload); }},
  };
  return entries;
}

}  // namespace

std::vector<std::string_view> policy_names() {
  std::vector<std::string_view> names;
  for (const Entry& e : registry()) names.push_back(e.name);
  return names;
}

std::unique_ptr<PlacementPolicy> make_policy(std::string_view name, const PolicyContext& context,
                                             std::string* error) {
  for (const Entry& e : registry()) {
    if (e.name == name) return e.make(context);
  }
  std::string known;
  for (const Entry& e : registry()) {
    if (!known.empty()) known += ", ";
    known += e.name;
  }
  *error = "unknown policy '" + std::string(name) + "' (known: " + known + ")";
  return nullptr;
}

}  // namespace fastgpu
