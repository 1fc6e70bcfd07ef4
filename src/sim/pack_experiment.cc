#include "sim/pack_experiment.h"

#include <chrono>

#include "core/capacity_ledger.h"
#include "core/rng.h"
#include "sched/fragmentation.h"
#include "sched/placer.h"
#include "sched/policy_registry.h"
#include "sim/fragmentation_tracker.h"

namespace fastgpu {

Status run_pack(std::span<const NodeSpec> nodes, std::span<const Task> trace,
                const PackOptions& options, PackRun* out) {
  const auto start = std::chrono::steady_clock::now();
  if (trace.empty()) return Status::invalid_argument("pack: the task trace is empty");
  if (options.inflate_percent < 1 || options.inflate_percent > 1000) {
    return Status::invalid_argument("pack: inflate must be within 0.01..10");
  }
  PolicyContext context{TypicalWorkload::from_tasks(trace)};
  std::string error;
  auto policy = make_policy(options.policy, context, &error);
  if (!policy) return Status::invalid_argument(error);

  CapacityLedger ledger(std::vector<NodeSpec>(nodes.begin(), nodes.end()));
  if (ledger.total_gpu_milli() == 0) return Status::invalid_argument("pack: no GPU in the cluster");
  Placer placer(ledger, std::move(policy), options.seed);
  FragmentationModel frag_model(context.workload);
  FragmentationTracker frag(ledger, frag_model);
  Rng sampler(options.seed);

  PackRun run;
  run.policy = options.policy;
  run.seed = options.seed;
  const double capacity = static_cast<double>(ledger.total_gpu_milli());
  auto record = [&] {
    frag.update();
    run.alloc_percent.push_back(100.0 * static_cast<double>(ledger.allocated_gpu_milli()) /
                                capacity);
    run.frag_percent.push_back(100.0 * frag.fragmented_milli() / capacity);
  };
  record();

  int64_t arrived_milli = 0;
  const int points = options.inflate_percent;
  while (static_cast<int>(run.alloc_percent.size()) <= points) {
    const Task& task = trace[sampler.below(trace.size())];
    arrived_milli += task.shape.total_gpu_milli();
    ++run.tasks_arrived;
    PlaceDecision d = placer.decide(task.shape);
    if (d.outcome == PlaceOutcome::kPlaced && ledger.allocate(task.shape, d.placement).is_ok()) {
      ++run.tasks_placed;
    } else {
      ++run.tasks_failed;
    }
    // Record every whole percent that this arrival crossed.
    while (static_cast<int>(run.alloc_percent.size()) <= points &&
           static_cast<double>(arrived_milli) * 100.0 >=
               static_cast<double>(run.alloc_percent.size()) * capacity) {
      record();
    }
  }
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  *out = std::move(run);
  return Status::ok();
}

}  // namespace fastgpu
