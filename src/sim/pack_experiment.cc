#include "sim/pack_experiment.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/capacity_ledger.h"
#include "core/rng.h"
#include "sched/fragmentation.h"
#include "sched/placer.h"
#include "sched/policy_registry.h"
#include "sim/fragmentation_tracker.h"

namespace fastgpu {
namespace {

// Sums of the per-event samples whose arrived percentage rounds to one whole percent.
struct PercentBins {
  explicit PercentBins(int points) : alloc(points + 1), frag(points + 1), count(points + 1) {}

  void add(double arrived_percent, double alloc_percent, double frag_percent) {
    const double bin = std::nearbyint(arrived_percent);  // ties to even, as the reference does
    if (bin < 0 || bin >= static_cast<double>(count.size())) return;
    const auto i = static_cast<size_t>(bin);
    alloc[i] += alloc_percent;
    frag[i] += frag_percent;
    ++count[i];
  }

  // Mean of bin i; an empty bin borrows its neighbours (i-1..i+1), then the previous value.
  void finish(std::vector<double>* alloc_out, std::vector<double>* frag_out) const {
    alloc_out->assign(count.size(), 0.0);
    frag_out->assign(count.size(), 0.0);
    for (size_t i = 0; i < count.size(); ++i) {
      double a = 0, f = 0;
      int64_t c = 0;
      for (size_t j = i == 0 ? 0 : i - 1; j <= i + 1 && j < count.size(); ++j) {
        if (j != i && count[i] > 0) continue;
        a += alloc[j], f += frag[j], c += count[j];
      }
      (*alloc_out)[i] = c ? a / static_cast<double>(c) : (i ? (*alloc_out)[i - 1] : 0.0);
      (*frag_out)[i] = c ? f / static_cast<double>(c) : (i ? (*frag_out)[i - 1] : 0.0);
    }
  }

  std::vector<double> alloc, frag;
  std::vector<int64_t> count;
};

}  // namespace

std::vector<const Task*> pack_arrivals(std::span<const Task> trace, int64_t target_milli,
                                       Rng& rng) {
  std::vector<const Task*> order;
  order.reserve(trace.size() * 2);
  int64_t demand = 0;
  for (const Task& t : trace) {
    order.push_back(&t);
    demand += t.shape.total_gpu_milli();
  }
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
  while (demand > target_milli) {
    const size_t victim = rng.below(order.size());
    demand -= order[victim]->shape.total_gpu_milli();
    order.erase(order.begin() + static_cast<std::ptrdiff_t>(victim));
  }
  const bool any_gpu_task = std::any_of(
      trace.begin(), trace.end(), [](const Task& t) { return t.shape.total_gpu_milli() > 0; });
  while (any_gpu_task) {
    const Task& t = trace[rng.below(trace.size())];
    if (demand + t.shape.total_gpu_milli() > target_milli) break;
    demand += t.shape.total_gpu_milli();
    order.push_back(&t);
  }
  return order;
}

Status run_pack(std::span<const NodeSpec> nodes, std::span<const Task> trace,
                const PackOptions& options, PackRun* out) {
  const auto start = std::chrono::steady_clock::now();
  if (trace.empty()) return Status::invalid_argument("pack: the task trace is empty");
  if (std::none_of(trace.begin(), trace.end(),
                   [](const Task& t) { return t.shape.total_gpu_milli() > 0; })) {
    return Status::invalid_argument("pack: the task trace has no GPU task");
  }
  if (options.inflate_percent < 1 || options.inflate_percent > 1000) {
    return Status::invalid_argument("pack: inflate must be within 0.01..10");
  }
  PolicyContext context{TypicalWorkload::from_tasks(trace)};
  std::string error;
  auto policy = make_policy(options.policy, context, &error);
  if (!policy) return Status::invalid_argument(error);

  CapacityLedger ledger(std::vector<NodeSpec>(nodes.begin(), nodes.end()));
  if (ledger.total_gpu_milli() == 0) return Status::invalid_argument("pack: no GPU in the cluster");
  Rng rng(options.seed);
  const std::vector<const Task*> arrivals =
      pack_arrivals(trace, ledger.total_gpu_milli() * options.inflate_percent / 100, rng);
  Placer placer(ledger, std::move(policy), rng.next());
  FragmentationModel frag_model(context.workload);
  FragmentationTracker frag(ledger, frag_model);

  PackRun run;
  run.policy = options.policy;
  run.seed = options.seed;
  const double capacity = static_cast<double>(ledger.total_gpu_milli());
  PercentBins bins(options.inflate_percent);
  int64_t arrived_milli = 0;
  auto sample = [&] {
    frag.update();
    bins.add(100.0 * static_cast<double>(arrived_milli) / capacity,
             100.0 * static_cast<double>(ledger.allocated_gpu_milli()) / capacity,
             100.0 * frag.fragmented_milli() / capacity);
  };
  sample();
  for (const Task* task : arrivals) {
    arrived_milli += task->shape.total_gpu_milli();
    ++run.tasks_arrived;
    PlaceDecision d = placer.decide(task->shape);
    if (d.outcome == PlaceOutcome::kPlaced && ledger.allocate(task->shape, d.placement).is_ok()) {
      ++run.tasks_placed;
    } else {
      ++run.tasks_failed;
    }
    sample();
  }
  bins.finish(&run.alloc_percent, &run.frag_percent);
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  *out = std::move(run);
  return Status::ok();
}

}  // namespace fastgpu
