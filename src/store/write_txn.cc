#include "store/write_txn.h"

#include <algorithm>
#include <bit>
#include <string>
#include <type_traits>
#include <utility>

#include "store/record_rows.h"

namespace fastgpu {
namespace {

std::string validate_vgpu_placement(const Placement& p) {
  if (std::popcount(p.gpus) != 1) return "a vGPU's placement must name exactly one GPU";
  return {};
}

// Runs `stmt`, failing unless it changed exactly one row.
Status run_expecting_one_change(SqlQuery* stmt, const char* what) {
  if (Status s = stmt->run(); !s.is_ok()) return s;
  if (stmt->changes() == 1) return Status::ok();
  return Status::io_error(std::string(what) + " changed under the writer");
}

}  // namespace

void WriteTxn::apply(WriteRequest* request, WriteResult* result) {
  result->status = std::visit(
      [&](auto& r) -> Status {
        using R = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<R, CreateTasks>) return create_tasks(&r, &result->ids);
        if constexpr (std::is_same_v<R, TaskTransition>) return transition_task(r);
        if constexpr (std::is_same_v<R, CreateVgpu>) return create_vgpu(&r, &result->ids);
        if constexpr (std::is_same_v<R, PlaceVgpu>) return place_vgpu(r);
        if constexpr (std::is_same_v<R, UnplaceVgpu>) return unplace_vgpu(r);
        if constexpr (std::is_same_v<R, DeleteVgpu>) return delete_vgpu(r);
        if constexpr (std::is_same_v<R, AssignTaskUid>) return assign_task_uid(r, &result->ids);
      },
      *request);
  if (!result->status.is_ok()) result->ids.clear();
}

Status WriteTxn::create_tasks(CreateTasks* request, std::vector<int64_t>* ids) {
  // Everything that can refuse the request is checked before the first insert.
  for (size_t i = 0; i < request->specs.size(); ++i) {
    if (std::string error = validate_task_spec(request->specs[i]); !error.empty()) {
      return Status::invalid_argument("task " + std::to_string(i) + ": " + error);
    }
  }
  if (Status s = check_task_vgpus(request->specs); !s.is_ok()) return s;

  for (TaskSpec& spec : request->specs) {
    TaskRecord task;
    if (Status s = next_id("tasks", &last_task_id_, &task.id); !s.is_ok()) return s;
    task.sequence = task.id;
    task.spec = std::move(spec);
    task.created_at_us = now_us_;
    std::unique_ptr<SqlQuery> insert = db_->query(insert_task_sql());
    bind_task_insert(task, insert.get());
    if (Status s = insert->run(); !s.is_ok()) return s;
    ids->push_back(task.id);
  }
  return Status::ok();
}

Status WriteTxn::check_task_vgpus(const std::vector<TaskSpec>& specs) {
  VgpuId checked = kNoVgpu;
  for (const TaskSpec& spec : specs) {
    if (spec.vgpu == kNoVgpu || spec.vgpu == checked) continue;
    VgpuRecord vgpu;
    Status s = find_vgpu(db_, spec.vgpu, &vgpu);
    if (s.is_ok() && vgpu.state == VgpuState::kDeleted) {
      s = Status::failed_precondition("vGPU " + std::to_string(spec.vgpu) + " is deleted");
    }
    if (!s.is_ok()) return s;
    checked = spec.vgpu;
  }
  return Status::ok();
}

Status WriteTxn::transition_task(const TaskTransition& t) {
  TaskRecord task;
  if (Status s = find_task(db_, t.id, &task); !s.is_ok()) return s;
  if (Status s = apply_transition(t, now_us_, &task); !s.is_ok()) return s;
  std::unique_ptr<SqlQuery> update = db_->query(update_task_sql());
  bind_task_update(task, t.from, update.get());
  if (Status s = run_expecting_one_change(update.get(), "task"); !s.is_ok()) return s;
  const bool ends = t.to != TaskState::kPending && t.to != TaskState::kRunning;
  if (!t.charge || !ends) return Status::ok();
  // Only an attempt that was running held its slice; any other end is counted, not timed.
  const int64_t started = t.from == TaskState::kRunning ? task.started_at_us : task.ended_at_us;
  return record_usage("task", task.id, task.spec.owner, *t.charge, started, task.ended_at_us,
                      task_state_name(t.to));
}

Status WriteTxn::create_vgpu(CreateVgpu* request, std::vector<int64_t>* ids) {
  if (std::string error = validate_vgpu_spec(request->spec); !error.empty()) {
    return Status::invalid_argument("vGPU: " + error);
  }
  if (request->placement) {
    if (std::string error = validate_vgpu_placement(*request->placement); !error.empty()) {
      return Status::invalid_argument(error);
    }
  }
  VgpuRecord vgpu;
  if (Status s = next_id("vgpus", &last_vgpu_id_, &vgpu.id); !s.is_ok()) return s;
  vgpu.spec = std::move(request->spec);
  vgpu.placement = request->placement;
  vgpu.state = vgpu.placement ? VgpuState::kActive : VgpuState::kPending;
  vgpu.created_at_us = now_us_;
  std::unique_ptr<SqlQuery> insert = db_->query(insert_vgpu_sql());
  bind_vgpu_insert(vgpu, insert.get());
  if (Status s = insert->run(); !s.is_ok()) return s;
  ids->push_back(vgpu.id);
  return Status::ok();
}

Status WriteTxn::place_vgpu(const PlaceVgpu& request) {
  if (std::string error = validate_vgpu_placement(request.placement); !error.empty()) {
    return Status::invalid_argument(error);
  }
  VgpuRecord vgpu;
  if (Status s = find_vgpu_in(request.id, VgpuState::kPending, &vgpu); !s.is_ok()) return s;
  vgpu.state = VgpuState::kActive;
  vgpu.placement = request.placement;
  return update_vgpu(vgpu, VgpuState::kPending);
}

Status WriteTxn::unplace_vgpu(const UnplaceVgpu& request) {
  VgpuRecord vgpu;
  if (Status s = find_vgpu_in(request.id, VgpuState::kActive, &vgpu); !s.is_ok()) return s;
  vgpu.state = VgpuState::kPending;
  vgpu.placement.reset();
  return update_vgpu(vgpu, VgpuState::kActive);
}

Status WriteTxn::delete_vgpu(const DeleteVgpu& request) {
  VgpuRecord vgpu;
  if (Status s = find_vgpu(db_, request.id, &vgpu); !s.is_ok()) return s;
  if (vgpu.state == VgpuState::kDeleted) {
    return Status::failed_precondition("vGPU " + std::to_string(request.id) +
                                       " is already deleted");
  }
  const VgpuState expected = vgpu.state;
  vgpu.state = VgpuState::kDeleted;
  vgpu.deleted_at_us = now_us_;
  vgpu.deleted_reason = request.reason;
  if (Status s = update_vgpu(vgpu, expected); !s.is_ok()) return s;
  if (!request.charge || expected != VgpuState::kActive) return Status::ok();
  const int64_t since =
      request.charge->since_us > 0 ? request.charge->since_us : vgpu.created_at_us;
  return record_usage("vgpu", vgpu.id, vgpu.spec.owner, *request.charge, std::min(since, now_us_),
                      now_us_, "deleted");
}

Status WriteTxn::record_usage(std::string_view kind, int64_t ref_id, const std::string& owner,
                              const UsageCharge& charge, int64_t started_us, int64_t ended_us,
                              std::string_view end_state) {
  std::unique_ptr<SqlQuery> insert = db_->query(
      "INSERT INTO usage_ledger (kind, ref_id, owner, project, model, gpu_milli, started_at_us, "
      "ended_at_us, end_state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert->bind(kind).bind(ref_id).bind(owner).bind(charge.project).bind(charge.model);
  insert->bind(std::max<int64_t>(charge.gpu_milli, 0)).bind(started_us).bind(ended_us);
  insert->bind(end_state);
  return insert->run();
}

Status WriteTxn::assign_task_uid(const AssignTaskUid& request, std::vector<int64_t>* ids) {
  if (request.owner.empty() || request.first <= 0 || request.last < request.first) {
    return Status::invalid_argument("a task uid needs an owner and a range of positive uids");
  }
  std::unique_ptr<SqlQuery> known = db_->query("SELECT uid FROM task_accounts WHERE owner = ?");
  known->bind(request.owner);
  if (known->next_row()) {
    ids->push_back(known->column_int64());
    return known->status();
  }
  if (!known->status().is_ok()) return known->status();
  std::unique_ptr<SqlQuery> highest =
      db_->query("SELECT MAX(uid) FROM task_accounts WHERE uid >= ? AND uid <= ?");
  highest->bind(request.first).bind(request.last);
  const std::optional<int64_t> last_taken =
      highest->next_row() ? highest->column_optional_int64() : std::nullopt;
  if (!highest->status().is_ok()) return highest->status();
  const int64_t uid = last_taken ? *last_taken + 1 : request.first;
  if (uid > request.last) {
    return Status::resource_exhausted("every task uid of " + std::to_string(request.first) + "-" +
                                      std::to_string(request.last) + " is taken");
  }
  std::unique_ptr<SqlQuery> insert =
      db_->query("INSERT INTO task_accounts (owner, uid) VALUES (?, ?)");
  insert->bind(request.owner).bind(uid);
  if (Status s = insert->run(); !s.is_ok()) return s;
  ids->push_back(uid);
  return Status::ok();
}

Status WriteTxn::find_vgpu_in(VgpuId id, VgpuState expected, VgpuRecord* vgpu) {
  if (Status s = find_vgpu(db_, id, vgpu); !s.is_ok()) return s;
  if (vgpu->state == expected) return Status::ok();
  return Status::failed_precondition("vGPU " + std::to_string(id) + " is " +
                                     std::string(vgpu_state_name(vgpu->state)) + ", not " +
                                     std::string(vgpu_state_name(expected)));
}

Status WriteTxn::update_vgpu(const VgpuRecord& vgpu, VgpuState expected) {
  std::unique_ptr<SqlQuery> update = db_->query(update_vgpu_sql());
  bind_vgpu_update(vgpu, expected, update.get());
  return run_expecting_one_change(update.get(), "vGPU");
}

Status WriteTxn::next_id(const char* table, std::optional<int64_t>* last, int64_t* id) {
  if (!last->has_value()) {
    std::unique_ptr<SqlQuery> query = db_->query(last_id_sql_(table));
    *last = query->next_row() ? query->column_int64() : 0;
    if (!query->status().is_ok()) return query->status();
  }
  *id = ++**last;
  return Status::ok();
}

}  // namespace fastgpu
