// The scheduler's side of usage accounting: what each ended task attempt and deleted vGPU is
// charged (written to the store's usage ledger with the change that ends it, and counted in
// the UsageMeter), and what running tasks and active vGPUs have used so far.

#include <algorithm>
#include <map>
#include <tuple>

#include "server/loop/scheduler.h"

namespace fastgpu {
namespace {

// Milli-GPU-ms of `gpu_milli` held from `from_us` to `to_us`, as the store's ledger sums it.
int64_t held_milli_ms(int64_t gpu_milli, int64_t from_us, int64_t to_us) {
  return gpu_milli * (std::max<int64_t>(to_us - from_us, 0) / 1000);
}

}  // namespace

int64_t Scheduler::held_gpu_milli(const LiveTask& task) const {
  return task.pool_shape ? task.pool_shape->total_gpu_milli() : 0;
}

int64_t Scheduler::recorded_gpu_milli(const TaskRecord& record) const {
  const TaskSpec& spec = record.spec;
  if (spec.vgpu != kNoVgpu || !record.placement) return 0;  // a vGPU's tasks: the vGPU is charged
  if (record.placement->node < pool_->nodes().size()) {
    if (auto shape = pool_->shape_on_node(spec.shape, spec.milli_tflops, record.placement->node)) {
      return shape->total_gpu_milli();
    }
  }
  return spec.shape.total_gpu_milli();
}

std::string Scheduler::model_name_at(const std::optional<Placement>& placement) const {
  if (!placement || placement->node >= pool_->nodes().size()) return "";
  return std::string(gpu_model_spec(model_at(*placement)).name);
}

TaskTransition Scheduler::charged(TaskTransition t, const TaskRecord& record, int64_t gpu_milli) {
  if (!t.at_us) t.at_us = wall_clock_us();
  UsageCharge charge;
  charge.project = project_of(record.spec.owner);
  charge.model = model_name_at(record.placement);
  charge.gpu_milli = gpu_milli;
  const bool ran = t.from == TaskState::kRunning && record.started_at_us > 0;
  usage_meter_.add(charge.project, task_state_name(t.to),
                   ran ? held_milli_ms(gpu_milli, record.started_at_us, *t.at_us) : 0);
  t.charge = std::move(charge);
  return t;
}

std::optional<UsageCharge> Scheduler::vgpu_charge(const VgpuSlice& slice) {
  const VgpuRecord& vgpu = slice.record();
  if (!vgpu.placement) return std::nullopt;
  UsageCharge charge;
  charge.project = project_of(vgpu.spec.owner);
  charge.model = model_name_at(vgpu.placement);
  charge.gpu_milli = vgpu.spec.gpu_milli;
  charge.since_us = slice.active_since_us();
  const int64_t since = charge.since_us > 0 ? charge.since_us : vgpu.created_at_us;
  usage_meter_.add(charge.project, "", held_milli_ms(charge.gpu_milli, since, wall_clock_us()));
  return charge;
}

Status Scheduler::live_usage(const UsageQuery& query, std::vector<UsageTotal>* out) {
  return run_on_loop([this, query, out](auto reply) {
    using Key = std::tuple<std::string, std::string, std::string, std::string, std::string>;
    std::map<Key, int64_t> milli_ms;
    const int64_t now = wall_clock_us();
    const auto add = [&](const std::string& owner, const std::optional<Placement>& placement,
                         const char* kind, const char* state, int64_t gpu_milli, int64_t since) {
      if (query.owner && *query.owner != owner) return;
      const Key key{owner, project_of(owner), model_name_at(placement), kind, state};
      milli_ms[key] += held_milli_ms(gpu_milli, std::max(since, query.since_us), now);
    };
    for (TaskId id : running_ids_) {
      const LiveTask& task = live_.at(id);
      if (task.record.started_at_us == 0) continue;
      add(task.record.spec.owner, task.record.placement, "task", "running", held_gpu_milli(task),
          task.record.started_at_us);
    }
    for (const auto& [id, slice] : vgpus_.slices()) {
      const VgpuRecord& vgpu = slice.record();
      if (!vgpu.placement || slice.deleting()) continue;
      const int64_t since =
          slice.active_since_us() > 0 ? slice.active_since_us() : vgpu.created_at_us;
      add(vgpu.spec.owner, vgpu.placement, "vgpu", "active", vgpu.spec.gpu_milli, since);
    }
    out->clear();
    for (const auto& [key, total] : milli_ms) {
      const auto& [owner, project, model, kind, state] = key;
      out->push_back({owner, project, model, kind, state, 0, total});
    }
    reply({});
  });
}

}  // namespace fastgpu
