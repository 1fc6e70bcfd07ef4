// The scheduler's vGPUs: creation, placement of pending ones, deletion, and their reclaim when
// a lease lapses, a ttl runs out or an idle timeout is reached.

#include <cstdio>

#include "core/gpu_model.h"
#include "core/wall_clock.h"
#include "server/loop/scheduler.h"
#include "server/loop/vgpu_enforcement.h"

namespace fastgpu {

Status Scheduler::create_vgpu(VgpuSpec spec, VgpuId* id) {
  if (std::string problem = validate_vgpu_spec(spec); !problem.empty()) {
    return Status::invalid_argument(problem);
  }
  return run_on_loop([this, spec = std::move(spec), id](auto reply) {
    create_vgpu_on_loop(spec, id, std::move(reply));
  });
}

Status Scheduler::delete_vgpu(VgpuId id, bool force, std::string reason) {
  return run_on_loop([this, id, force, reason = std::move(reason)](auto reply) {
    delete_vgpu_on_loop(id, force, reason, std::move(reply));
  });
}

Status Scheduler::renew_vgpu(VgpuId id, int64_t* lease_end_us) {
  return run_on_loop([this, id, lease_end_us](auto reply) {
    if (vgpus_.live(id) == nullptr) {
      return reply(Status::not_found("vGPU " + std::to_string(id) + " does not exist"));
    }
    *lease_end_us = vgpus_.expiry().renew(id, wall_clock_us());
    reply({});
  });
}

Status Scheduler::release_vgpu(VgpuId id) {
  return run_on_loop([this, id](auto reply) {
    const VgpuSlice* slice = vgpus_.live(id);
    if (slice == nullptr) {
      return reply(Status::not_found("vGPU " + std::to_string(id) + " does not exist"));
    }
    vgpus_.expiry().release(id, slice->record().spec, wall_clock_us());
    next_expiry_check_ = {};  // a released idle vGPU goes in this iteration
    reply({});
  });
}

void Scheduler::reclaim_expired_vgpus() {
  const auto now = std::chrono::steady_clock::now();
  if (vgpus_.expiry().size() == 0 || now < next_expiry_check_) return;
  next_expiry_check_ = now + kExpiryCheckPeriod;
  // A task is unfinished from its submission (launching ones included) to its end.
  const auto busy = [this](VgpuId id) { return completions_.unfinished_in(id) > 0; };
  for (VgpuReclaim& due : vgpus_.expiry().due(wall_clock_us(), busy)) {
    if (vgpus_.live(due.id) == nullptr) continue;
    std::fprintf(stderr, "fastgpud: vGPU %lld reclaimed: %s\n", static_cast<long long>(due.id),
                 due.reason.c_str());
    delete_vgpu_on_loop(due.id, due.force, due.reason, [](const Status&) {});
  }
}

TaskShape Scheduler::vgpu_shape(const VgpuSpec& spec) const {
  TaskShape shape;
  shape.num_gpu = 1;
  shape.gpu_milli = spec.gpu_milli;
  shape.gpu_memory_mib = spec.memory_mib;
  return shape;
}

void Scheduler::create_vgpu_on_loop(VgpuSpec spec, VgpuId* id, std::function<void(Status)> reply) {
  const TaskShape base = vgpu_shape(spec);
  // Like a task's: one the autoscaler could start a node for waits for it.
  const bool fits_elsewhere =
      spec.milli_tflops == 0 && options_.feasible_elsewhere && options_.feasible_elsewhere(base);
  if (!pool_->could_ever_fit(base, spec.milli_tflops) && !fits_elsewhere) {
    return reply(
        Status::infeasible("no GPU of this host could hold the vGPU (" +
                           (spec.milli_tflops > 0 ? format_tflops(spec.milli_tflops) + " TFLOPS"
                                                  : std::to_string(spec.gpu_milli) + " milli-GPU") +
                           ", " + std::to_string(spec.memory_mib) + " MiB)"));
  }
  // Until its id is known, what it holds is filed under a key of its own.
  const uint64_t unsaved_key = vgpus_.unsaved_holding_key();
  TaskShape taken;
  PendingReason reason = PendingReason::kNone;
  const std::optional<Placement> placement = place_slice(spec, unsaved_key, &taken, &reason);
  batch_.add(CreateVgpu{spec, placement}, [this, spec, placement, taken, unsaved_key, reason, id,
                                           reply](const WriteResult& result) {
    if (placement) queue_.release(unsaved_key);
    if (!result.status.is_ok()) {
      if (placement) (void)ledger_.release(taken, *placement);
      return reply(result.status);
    }
    VgpuRecord record;
    record.id = result.ids.front();
    record.spec = spec;
    record.state = placement ? VgpuState::kActive : VgpuState::kPending;
    record.placement = placement;
    record.created_at_us = wall_clock_us();
    if (placement) {
      queue_.hold(vgpu_holding(VgpuBook::holding_key(record.id), spec.owner, taken, *placement));
    }
    vgpus_.add(record, wall_clock_us());
    vgpus_.set_reason(record.id, reason);
    admission_.publish_vgpu(record);
    *id = record.id;
    dirty_ = true;
    publish_snapshot();  // /v1/gpus shows the slice once the create is answered
    reply({});
  });
}

bool Scheduler::try_place_pending_vgpus() {
  bool placed_any = false;
  for (auto& [id, slice] : vgpus_.slices()) {
    if (slice.placed() || slice.deleting()) continue;
    const VgpuSpec& spec = slice.record().spec;
    TaskShape shape;
    PendingReason reason = PendingReason::kNone;
    const std::optional<Placement> placement =
        place_slice(spec, VgpuBook::holding_key(id), &shape, &reason);
    vgpus_.set_reason(id, reason);
    if (!placement) continue;
    slice.mutable_record().placement = placement;  // holds it until the commit
    const VgpuId vgpu = id;
    batch_.add(PlaceVgpu{vgpu, *placement},
               [this, vgpu, shape, placement = *placement](const WriteResult& result) {
                 // A deletion is never queued behind its placement (a deleting slice is not
                 // placed), so the slice is still there.
                 VgpuSlice& slice = vgpus_.at(vgpu);
                 if (!result.status.is_ok()) {
                   (void)ledger_.release(shape, placement);
                   queue_.release(VgpuBook::holding_key(vgpu));
                   slice.mutable_record().placement.reset();
                   return;
                 }
                 slice.mutable_record().state = VgpuState::kActive;
                 slice.set_active_since_us(wall_clock_us());
                 admission_.publish_vgpu(slice.record());
                 dirty_ = true;
               });
    placed_any = true;
  }
  return placed_any;
}

std::optional<Placement> Scheduler::place_slice(const VgpuSpec& spec, uint64_t holding_key,
                                                TaskShape* taken, PendingReason* reason) {
  const QuotaRoom room = queue_.shares().capacity_room(accounts_->project_of(spec.owner));
  bool over_quota = false;
  for (const TaskShape& shape : pool_->candidate_shapes(vgpu_shape(spec), spec.milli_tflops)) {
    if (!room.holds(shape)) {
      over_quota = true;
      continue;
    }
    const PlaceDecision decision = placer_->decide(shape);
    if (decision.outcome != PlaceOutcome::kPlaced ||
        !ledger_.allocate(shape, decision.placement).is_ok()) {
      continue;
    }
    *taken = shape;
    *reason = PendingReason::kNone;
    queue_.hold(vgpu_holding(holding_key, spec.owner, shape, decision.placement));
    return decision.placement;
  }
  *reason = over_quota ? PendingReason::kQuota : PendingReason::kResources;
  return std::nullopt;
}

PendingReason Scheduler::vgpu_pending_reason(VgpuId id) const { return vgpus_.reason(id); }

void Scheduler::delete_vgpu_on_loop(VgpuId id, bool force, std::string reason,
                                    std::function<void(Status)> reply) {
  VgpuSlice* found = vgpus_.find(id);
  if (found == nullptr) {
    return reply(Status::not_found("vGPU " + std::to_string(id) + " does not exist"));
  }
  if (found->deleting()) {
    return reply(Status::failed_precondition("vGPU " + std::to_string(id) + " is being deleted"));
  }
  if (vgpu_launching(id)) {
    deferred_.push_back(
        [this, id, force, reason, reply] { delete_vgpu_on_loop(id, force, reason, reply); });
    return;
  }
  if (const int unfinished = completions_.unfinished_in(id); unfinished > 0 && !force) {
    return reply(Status::failed_precondition("vGPU " + std::to_string(id) + " has " +
                                             std::to_string(unfinished) +
                                             " unfinished task(s); wait for them or delete with "
                                             "?force=true to cancel them"));
  }
  for (auto& [task_id, task] : live_) {
    if (task.record.spec.vgpu == id && !task.ending) cancel_live(task, [](const Status&) {});
  }
  found->set_deleting(true);
  DeleteVgpu request{id, std::move(reason), vgpu_charge(*found)};
  batch_.add(std::move(request), [this, id, reply](const WriteResult& result) {
    VgpuSlice& slice = vgpus_.at(id);
    if (!result.status.is_ok()) {
      slice.set_deleting(false);
      return reply(result.status);
    }
    if (slice.placed()) {
      const VgpuSpec& spec = slice.record().spec;
      const Placement placement = *slice.record().placement;
      if (auto shape = pool_->shape_on_node(vgpu_shape(spec), spec.milli_tflops, placement.node)) {
        (void)ledger_.release(*shape, placement);
      }
      queue_.release(VgpuBook::holding_key(id));
    }
    slice.mutable_record().state = VgpuState::kDeleted;
    admission_.publish_vgpu(slice.record());
    vgpus_.remove(id);
    forget_ledger(enforcement_id(options_.enforcement_prefix, id, 0));
    dirty_ = true;
    publish_snapshot();
    reply({});
  });
}

}  // namespace fastgpu
