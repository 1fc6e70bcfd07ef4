// Scheduler::recover(): taking the durable state back after a restart.

#include <signal.h>

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "core/wall_clock.h"
#include "runtime/exit_record.h"
#include "runtime/group_leaders.h"
#include "server/loop/scheduler.h"

namespace fastgpu {
namespace {

// A time `at_us` (wall clock, microseconds) on the steady clock; never earlier than now.
std::chrono::steady_clock::time_point steady_at(int64_t at_us) {
  const int64_t left_us = std::max<int64_t>(0, at_us - wall_clock_us());
  return std::chrono::steady_clock::now() + std::chrono::microseconds(left_us);
}

// The task whose stdout file `target` is ("<prefix><id>.out"), if it is one.
std::optional<TaskId> task_of_stdout(const std::string& target, const std::string& prefix) {
  constexpr std::string_view kSuffix = ".out";
  if (!target.starts_with(prefix) || !target.ends_with(kSuffix)) return std::nullopt;
  const char* first = target.data() + prefix.size();
  const char* last = target.data() + target.size() - kSuffix.size();
  TaskId id = 0;
  auto [end, ec] = std::from_chars(first, last, id);
  if (ec != std::errc() || end != last || first == last) return std::nullopt;
  return id;
}

// Kills the process group `leader` leads and waits (up to 2 s) until the leader is gone.
void kill_group_and_wait(const ProcessIdentity& leader) {
  if (!is_same_process(leader)) return;
  ::kill(-leader.pid, SIGKILL);
  for (int i = 0; i < 2000 && is_same_process(leader); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace

Status Scheduler::recover() {
  if (Status s = recover_vgpus(); !s.is_ok()) return s;
  std::vector<TaskRecord> tasks;
  if (Status s = store_->load_unfinished_tasks(&tasks); !s.is_ok()) return s;
  for (TaskRecord& task : tasks) {
    if (Status s = recover_task(std::move(task)); !s.is_ok()) return s;
  }
  stop_left_over_processes();
  publish_snapshot();
  return Status::ok();
}

std::string Scheduler::why_left_over(TaskId id, const ProcessIdentity& process) const {
  if (auto it = live_.find(id); it != live_.end()) {
    if (it->second.record.state != TaskState::kPending) return "";
    return "its start was never recorded, or it was preempted; the task will start again";
  }
  TaskRecord record;
  if (!store_->get_task(id, &record).is_ok() || !is_terminal(record.state)) return "";
  if (record.pid != process.pid || record.process_start_time != process.start_time) return "";
  return "its task had already ended (" + std::string(task_state_name(record.state)) +
         ") while the process was being stopped";
}

void Scheduler::stop_left_over_processes() {
  std::error_code error;
  const std::filesystem::path dir = std::filesystem::weakly_canonical(options_.log_dir, error);
  if (error) return;
  const std::string prefix = (dir / "task-").string();
  for (const GroupLeader& leader : list_group_leaders()) {
    const std::optional<TaskId> id = task_of_stdout(leader.stdout_target, prefix);
    if (!id) continue;
    const std::string why = why_left_over(*id, leader.identity);
    if (why.empty()) continue;
    kill_group_and_wait(leader.identity);
    std::fprintf(stderr,
                 "fastgpud: task %lld: killed process %d, left running from before the "
                 "restart: %s\n",
                 static_cast<long long>(*id), static_cast<int>(leader.identity.pid), why.c_str());
  }
}

Status Scheduler::recover_vgpus() {
  std::vector<VgpuRecord> vgpus;
  if (Status s = store_->list_vgpus(VgpuFilter{}, &vgpus); !s.is_ok()) return s;
  for (VgpuRecord& vgpu : vgpus) {
    if (vgpu.placement) {
      if (const std::string why = take_back_slice(vgpu); !why.empty()) {
        std::fprintf(stderr, "fastgpud: vGPU %lld: %s; it waits to be placed again\n",
                     static_cast<long long>(vgpu.id), why.c_str());
        if (Status s = writer_->unplace_vgpu(vgpu.id); !s.is_ok()) return s;
        vgpu.placement.reset();
        vgpu.state = VgpuState::kPending;
      } else if (auto shape = pool_->shape_on_node(vgpu_shape(vgpu.spec), vgpu.spec.milli_tflops,
                                                   vgpu.placement->node)) {
        queue_.hold(
            vgpu_holding(VgpuBook::holding_key(vgpu.id), vgpu.spec.owner, *shape, *vgpu.placement));
      }
    }
    vgpus_.add(vgpu, wall_clock_us());  // a lease gets a whole period from the restart
    admission_.publish_vgpu(vgpu);
  }
  return Status::ok();
}

std::string Scheduler::take_back_slice(const VgpuRecord& vgpu) {
  const NodeIndex node = vgpu.placement->node;
  if (node >= ledger_.node_count()) {
    return "it sat on an agent's GPU, unknown until the agent registers again";
  }
  const std::optional<TaskShape> shape =
      pool_->shape_on_node(vgpu_shape(vgpu.spec), vgpu.spec.milli_tflops, node);
  if (!shape) return "its GPU is no longer the one it was placed on";
  if (Status s = ledger_.allocate(*shape, *vgpu.placement); !s.is_ok()) {
    return "its slice cannot be taken back: " + s.message();
  }
  return "";
}

Status Scheduler::requeue_lost(TaskRecord* record) {
  TaskTransition requeue = transition(record->id, record->state, TaskState::kPending);
  requeue.count_retry = record->state == TaskState::kLost;
  if (Status s = writer_->transition_task(requeue); !s.is_ok()) return s;
  return apply_transition(requeue, wall_clock_us(), record);
}

Scheduler::LiveTask& Scheduler::resume_running(TaskRecord record) {
  const TaskId id = record.id;
  const bool synthetic = record.spec.kind == WorkKind::kSynthetic;
  completions_.add(id, record.spec.vgpu);
  LiveTask task;
  task.record = std::move(record);
  hold(task);
  const int64_t limit_ms =
      synthetic ? task.record.spec.synthetic.duration_ms : task.record.spec.timeout_ms;
  task.deadline = steady_at(task.record.started_at_us + limit_ms * 1000);
  if (!synthetic) task_of_pid_[task.record.pid] = id;
  LiveTask& resumed = live_.emplace(id, std::move(task)).first->second;
  mark_running(resumed);
  return resumed;
}

Status Scheduler::recover_task(TaskRecord record) {
  const bool retries_left = record.retries_used < record.spec.max_retries;
  switch (record.state) {
    case TaskState::kPending:
      break;
    case TaskState::kPreempted:
    case TaskState::kLost:
      if (Status s = requeue_lost(&record); !s.is_ok()) return s;
      break;
    case TaskState::kRunning: {
      const bool synthetic = record.spec.kind == WorkKind::kSynthetic;
      // Agents' nodes are gone after a restart (agents register again): their tasks are lost.
      const bool on_this_host = record.placement && record.placement->node < ledger_.node_count();
      const std::string exit_record = log_base(record.id) + ".exit";
      if (on_this_host &&
          (synthetic ||
           supervisor_.adopt({record.pid, record.process_start_time}, exit_record).is_ok())) {
        resume_running(std::move(record));
        return Status::ok();
      }
      // Its process ended while the daemon was down: its guard recorded how.
      if (ExitRecord ended; on_this_host && !synthetic && read_exit_record(exit_record, &ended)) {
        const ProcessExit exit{{record.pid, record.process_start_time},
                               true,
                               ended.exit_code,
                               ended.signal,
                               std::chrono::system_clock::now()};
        LiveTask& task = resume_running(std::move(record));
        task_of_pid_.erase(exit.identity.pid);  // no process to wait for
        end_process(task, exit);
        return Status::ok();
      }
      const TaskTransition lost =
          charged(transition(record.id, TaskState::kRunning, TaskState::kLost,
                             on_this_host ? "its process was gone when the daemon restarted"
                                          : "it ran on an agent when the daemon restarted"),
                  record, recorded_gpu_milli(record));
      if (Status s = writer_->transition_task(lost); !s.is_ok()) return s;
      (void)apply_transition(lost, wall_clock_us(), &record);
      std::fprintf(stderr, "fastgpud: task %lld lost: %s%s\n", static_cast<long long>(record.id),
                   lost.failure_reason->c_str(), retries_left ? "; retrying" : "");
      if (!retries_left) return Status::ok();
      if (!on_this_host) {  // its agent may run it until its self-fence: requeue after that
        completions_.add(record.id, record.spec.vgpu);
        lost_on_agents_.emplace_back(std::chrono::steady_clock::now() + options_.node_timeout,
                                     std::move(record));
        return Status::ok();
      }
      if (Status s = requeue_lost(&record); !s.is_ok()) return s;
      break;
    }
    case TaskState::kSucceeded:
    case TaskState::kFailed:
    case TaskState::kCancelled:
      return Status::ok();
  }
  completions_.add(record.id, record.spec.vgpu);
  absorb(std::move(record));
  return Status::ok();
}

}  // namespace fastgpu
