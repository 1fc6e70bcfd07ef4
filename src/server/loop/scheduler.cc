#include "server/loop/scheduler.h"

#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <future>

#include "core/gpu_model.h"
#include "core/wall_clock.h"
#include "sched/policy_registry.h"
#include "server/loop/attempt_marker.h"
#include "server/loop/output_cap.h"
#include "server/loop/vgpu_enforcement.h"

namespace fastgpu {
namespace {

using SteadyClock = std::chrono::steady_clock;

// The workload fragmentation-aware policies measure against: the slices people ask a daemon for
// (tenths, quarters, halves of a GPU, and 1, 2, 4, 8 whole GPUs), equally likely.
TypicalWorkload daemon_workload() {
  std::vector<Task> tasks;
  const auto add = [&tasks](int32_t gpus, MilliGpu milli) {
    Task task;
    task.shape = TaskShape{0, 0, gpus, milli, 0};
    tasks.push_back(task);
  };
  for (MilliGpu milli : {100, 250, 500}) add(1, milli);
  for (int32_t gpus : {1, 2, 4, 8}) add(gpus, kMilliPerGpu);
  return TypicalWorkload::from_tasks(tasks);
}

void log_line(const std::string& line) { std::fprintf(stderr, "fastgpud: %s\n", line.c_str()); }

}  // namespace

Status Scheduler::create(Store* store, Writer* writer, GpuPool pool, Options options,
                         std::unique_ptr<Scheduler>* out) {
  std::string error;
  std::unique_ptr<PlacementPolicy> policy =
      make_policy(options.policy, PolicyContext{daemon_workload()}, &error);
  if (!policy) return Status::invalid_argument(error);
  out->reset(new Scheduler(store, writer, std::move(pool), std::move(options), std::move(policy)));
  return Status::ok();
}

Scheduler::Scheduler(Store* store, Writer* writer, GpuPool pool, Options options,
                     std::unique_ptr<PlacementPolicy> policy)
    : store_(store),
      writer_(writer),
      options_(std::move(options)),
      pool_(std::make_shared<const GpuPool>(std::move(pool))),
      ledger_(pool_->nodes()),
      placer_(std::make_unique<Placer>(ledger_, std::move(policy), /*seed=*/42)),
      queue_(QueueRules{std::chrono::microseconds(options_.backfill_patience).count(),
                        std::chrono::microseconds(options_.aging).count(), kBackfillWindow,
                        options_.accounts.usage_half_life_us},
             options_.accounts.projects),
      agents_(ledger_.node_count()),
      accounts_(std::make_shared<const Accounts>(options_.accounts)),
      admission_(Admission::Rules{options_.feasible_elsewhere,
                                  !options_.enforcement.library.empty(), options_.allow_unenforced},
                 pool_, accounts_) {}

Scheduler::~Scheduler() { stop(); }

void Scheduler::rebuild_placer() {
  std::string error;  // the policy was made once already, so it is known
  placer_ = std::make_unique<Placer>(
      ledger_, make_policy(options_.policy, PolicyContext{daemon_workload()}, &error), 42);
}

void Scheduler::start() {
  placements_from_ = SteadyClock::now() + options_.takeover_grace;
  launcher_ = std::make_unique<LaunchWorker>(
      [this](LaunchOutcome outcome) {
        unrecorded_.end_launch(outcome.status.is_ok() ? outcome.process.identity
                                                      : ProcessIdentity{});
        {
          std::lock_guard lock(inbox_mu_);
          launched_.push_back(std::move(outcome));
        }
        inbox_cv_.notify_one();
      },
      options_.launch_threads);
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "sched-loop");  // as `top -H` and perf show it
    loop();
  });
}

void Scheduler::stop() {
  if (launcher_) launcher_->close();  // the loop still commits what it started
  {
    std::lock_guard lock(inbox_mu_);
    stopping_ = true;
  }
  inbox_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

TaskTransition Scheduler::transition(TaskId id, TaskState from, TaskState to, std::string reason) {
  TaskTransition t;
  t.id = id;
  t.from = from;
  t.to = to;
  if (!reason.empty()) t.failure_reason = std::move(reason);
  return t;
}

// ---- API threads -------------------------------------------------------------------------

Status Scheduler::submit(TaskSpec spec, TaskRecord* out) {
  if (Status e = admission_.admit(&spec); !e.is_ok()) return e;
  std::vector<TaskId> ids;
  if (Status s = writer_->create_tasks({std::move(spec)}, &ids); !s.is_ok()) {
    return s;
  }
  if (Status s = store_->get_task(ids.front(), out); !s.is_ok()) return s;
  completions_.add(out->id, out->spec.vgpu);
  {
    std::lock_guard lock(inbox_mu_);
    new_tasks_.push_back(*out);
  }
  inbox_cv_.notify_one();
  return {};
}

Status Scheduler::run_on_loop(std::function<void(std::function<void(Status)>)> command) {
  auto done = std::make_shared<std::promise<Status>>();
  std::future<Status> answer = done->get_future();
  {
    std::lock_guard lock(inbox_mu_);
    if (stopping_) return Status::unavailable("the daemon is stopping");
    commands_.push_back([command = std::move(command), done] {
      command([done](Status e) { done->set_value(std::move(e)); });
    });
  }
  inbox_cv_.notify_one();
  return answer.get();
}

Status Scheduler::cancel(TaskId id) {
  return run_on_loop([this, id](auto reply) { cancel_on_loop(id, std::move(reply)); });
}

PoolSnapshot Scheduler::snapshot() const {
  std::lock_guard lock(views_mu_);
  return snapshot_;
}

std::shared_ptr<const GpuPool> Scheduler::pool() const { return admission_.pool(); }

// ---- The loop ----------------------------------------------------------------------------

void Scheduler::loop() {
  for (;;) {
    bool stop = false;
    {
      std::unique_lock lock(inbox_mu_);
      const bool busy = !running_ids_.empty() || !deferred_.empty();
      const auto wait = busy ? options_.tick : std::chrono::milliseconds(50);
      inbox_cv_.wait_for(lock, wait, [&] {
        return stopping_ || !new_tasks_.empty() || !commands_.empty() || !launched_.empty();
      });
      stop = stopping_;
    }
    iterate();
    if (stop) return;
  }
}

void Scheduler::iterate() {
  std::vector<TaskRecord> arrivals;
  std::vector<Command> commands;
  std::vector<LaunchOutcome> launched;
  {
    std::lock_guard lock(inbox_mu_);
    arrivals.swap(new_tasks_);
    commands.swap(commands_);
    launched.swap(launched_);
  }
  for (TaskRecord& record : arrivals) absorb(std::move(record));
  // Commands see only committed starts: an outcome's start is committed at the end of this
  // iteration, and a command waiting for it runs in the next.
  run_deferred();
  for (Command& command : commands) command();
  for (LaunchOutcome& outcome : launched) on_launched(std::move(outcome));
  reap_exits();
  end_synthetic_and_timeouts();
  check_agents();
  reclaim_expired_vgpus();
  check_disk();
  if (dirty_ && placements_paused_.empty() && SteadyClock::now() >= placements_from_) {
    schedule_pass();
  }
  // A commit checks the write epoch after this iteration's launches were queued: it confirms.
  bool epoch_confirmed = false;
  if (!batch_.empty()) {
    if (Status s = batch_.commit(writer_); !s.is_ok()) {
      log_line("commit failed: " + s.message());
      check_fenced();
    } else {
      epoch_confirmed = true;
    }
    snapshot_stale_ = true;
  }
  start_held_launches(epoch_confirmed);
  if (snapshot_stale_) publish_snapshot();
  admission_.publish_queued(queue_);
  std::vector<std::function<void()>> after;
  after.swap(after_commit_);
  for (auto& then : after) then();
}

void Scheduler::absorb(TaskRecord record) {
  const TaskId id = record.id;
  LiveTask task;
  task.record = std::move(record);
  task.queued_at = SteadyClock::now();
  auto [it, added] = live_.emplace(id, std::move(task));
  if (!added) return;
  enqueue(it->second);
  dirty_ = true;
  // Committed just before its vGPU's deletion was: the deletion did not see it to cancel it.
  if (const VgpuId vgpu = it->second.record.spec.vgpu; vgpu != kNoVgpu) {
    if (vgpus_.live(vgpu) == nullptr) cancel_live(it->second, [](const Status&) {});
  }
}

void Scheduler::reap_exits() {
  for (const ProcessExit& exit : supervisor_.poll_exits()) {
    auto owner = task_of_pid_.find(exit.identity.pid);
    if (owner == task_of_pid_.end()) continue;
    const TaskId id = owner->second;
    task_of_pid_.erase(owner);
    auto it = live_.find(id);
    if (it == live_.end()) continue;
    end_process(it->second, exit);
  }
}

void Scheduler::end_process(LiveTask& task, const ProcessExit& exit) {
  // What the task left behind (a setsid child, a daemon it started) goes with it; an agent's
  // task was cleared (and measured) by its agent.
  if (options_.confiner != nullptr && task.agent == 0) {
    task.usage = options_.confiner->finish(task.record.id);
  }
  if (options_.task_log_cap > 0 && task.agent == 0) {  // what it printed since the last check
    for (const char* suffix : {".out", ".err"}) {
      task.log_cut |= cut_log_over_cap(log_base(task.record.id) + suffix, options_.task_log_cap);
    }
  }
  if (task.preempted) {
    release(task);
    return requeue(task);
  }
  if (task.ending) {  // its final state is already committed: only the slice is left
    release(task);
    return forget(task.record.id);
  }
  if (task.log_cut) {
    finish_running(task, TaskState::kFailed, std::nullopt, log_cap_reason());
  } else if (task.timed_out) {
    finish_running(task, TaskState::kFailed, std::nullopt,
                   "timed out after " + std::to_string(task.record.spec.timeout_ms) + " ms");
  } else if (!exit.status_known) {  // it ended unwatched and its guard left no record
    finish_running(task, TaskState::kFailed, std::nullopt, describe_exit(exit));
  } else if (exit.signal == 0 && exit.exit_code == 0) {
    finish_running(task, TaskState::kSucceeded, 0, "");
  } else {
    const std::optional<int32_t> code =
        exit.signal == 0 ? std::optional<int32_t>(exit.exit_code) : std::nullopt;
    const bool out_of_memory = task.usage && task.usage->oom_kills > 0;
    finish_running(task, TaskState::kFailed, code,
                   out_of_memory ? options_.confiner->out_of_memory_reason(task.record.spec)
                                 : describe_exit(exit));
  }
}

void Scheduler::mark_running(const LiveTask& task) {
  running_ids_.insert(task.record.id);
  if (task.record.spec.kind == WorkKind::kSynthetic || task.record.spec.timeout_ms > 0) {
    deadlines_.emplace(task.deadline, task.record.id);
  }
}

void Scheduler::unmark_running(const LiveTask& task) {
  running_ids_.erase(task.record.id);
  deadlines_.erase({task.deadline, task.record.id});
}

void Scheduler::end_synthetic_and_timeouts() {
  const auto now = SteadyClock::now();
  std::vector<TaskId> due;
  for (auto it = deadlines_.begin(); it != deadlines_.end() && it->first <= now;) {
    // An ending task keeps its entry: a cancel whose commit fails lets it run on.
    if (live_.at(it->second).ending) {
      ++it;
      continue;
    }
    due.push_back(it->second);
    it = deadlines_.erase(it);
  }
  for (TaskId id : due) {
    LiveTask& task = live_.at(id);
    if (task.record.spec.kind == WorkKind::kSynthetic) {
      finish_running(task, TaskState::kSucceeded, std::nullopt, "");
    } else {
      task.timed_out = true;
      (void)stop_process(task, options_.kill_grace);
    }
  }
}

void Scheduler::preempt(LiveTask& victim, std::string_view reason) {
  const TaskId id = victim.record.id;
  victim.ending = true;  // no other end is recorded for this attempt
  victim.preempted = true;
  batch_.add(
      charged(transition(id, TaskState::kRunning, TaskState::kPreempted, std::string(reason)),
              victim.record, held_gpu_milli(victim)),
      [this, id, why = std::string(reason)](const WriteResult& result) {
        if (result.status.is_ok()) live_.at(id).record.failure_reason = why;  // for the next marker
      });
  batch_.add(transition(id, TaskState::kPreempted, TaskState::kPending),
             [this, id](const WriteResult& result) {
               LiveTask& victim = live_.at(id);
               if (!result.status.is_ok())
                 log_line("task " + std::to_string(id) + ": " + result.status.message());
               if (!stop_process(victim, options_.kill_grace)) {
                 release(victim);
                 requeue(victim);
               }
             });
}

void Scheduler::requeue(LiveTask& task) {
  unmark_running(task);
  task.record.state = TaskState::kPending;
  task.record.pid = 0;
  task.record.placement.reset();
  task.agent = 0;
  task.ending = task.preempted = task.timed_out = false;
  task.queued_at = SteadyClock::now();
  enqueue(task);
  dirty_ = true;
}

bool Scheduler::stop_process(LiveTask& task, std::chrono::milliseconds grace) {
  const TaskId id = task.record.id;
  if (task.agent != 0) {
    AgentSession& agent = agents_.at(task.agent);
    if (!agent.assigned.contains(id)) return false;
    agent.outbox->push_stop(StopOrder{id, grace.count()});
    return true;
  }
  if (task.record.pid == 0) return false;
  (void)supervisor_.terminate(task.record.pid, grace);
  return true;
}

TaskSlice Scheduler::slice_of(const LiveTask& task) const {
  const TaskSpec& spec = task.record.spec;
  TaskSlice slice;
  slice.vgpu = spec.vgpu;
  slice.enforcement_id = enforcement_id(options_.enforcement_prefix, spec.vgpu, task.record.id);
  for (int index : pool_->device_indices(task.placement))
    slice.gpus.push_back(&pool_->devices()[index]);
  const GpuModelId model = model_at(task.placement);
  slice.compute_share = task.pool_shape ? task.pool_shape->gpu_milli : spec.shape.gpu_milli;
  if (spec.milli_tflops > 0) {
    slice.compute_share = milli_tflops_to_milli_gpu(spec.milli_tflops, model).value_or(0);
  }
  MemoryMib memory = spec.shape.gpu_memory_mib;
  // In a vGPU, the limits enforced are the vGPU's, shared by all its tasks' processes.
  if (const VgpuSlice* vgpu = vgpus_.placed(spec.vgpu)) {
    const VgpuRecord& record = vgpu->record();
    if (auto shape = pool_->shape_on_node(vgpu_shape(record.spec), record.spec.milli_tflops,
                                          record.placement->node)) {
      slice.compute_share = shape->gpu_milli;
    }
    memory = record.spec.memory_mib;
  }
  if (memory == 0) memory = memory_of_share(model, slice.compute_share);
  slice.memory_limit_bytes = memory << 20;
  return slice;
}

TaskTransition Scheduler::start_transition(const LiveTask& task) const {
  TaskTransition start = transition(task.record.id, TaskState::kPending, TaskState::kRunning);
  start.placement = task.placement;
  start.failure_reason = std::string();  // why the last attempt ended is not this attempt's
  start.at_us = wall_clock_us();
  return start;
}

std::string Scheduler::log_base(TaskId id) const {
  return options_.log_dir + "/task-" + std::to_string(id);
}

void Scheduler::launch(LiveTask& task) {
  const TaskId id = task.record.id;
  if (task.record.spec.kind == WorkKind::kSynthetic) {
    task.deadline =
        SteadyClock::now() + std::chrono::milliseconds(task.record.spec.synthetic.duration_ms);
    commit_start(task, start_transition(task));
    return;
  }
  const std::string base = log_base(id);
  if (!mark_attempt_in_logs(base, task.record)) {
    log_line("task " + std::to_string(id) + ": cannot mark attempt " +
             std::to_string(task.record.attempts + 1) + " in its logs: " + std::strerror(errno));
  }
  if (agents_.agent_of(task.placement.node) != 0) return assign_to_agent(task);
  task.launching = true;
  // Refused only while stopping: the task then stays pending in the store.
  LaunchJob job{id,
                make_launch_spec(task.record, slice_of(task), base + ".out", base + ".err",
                                 options_.enforcement),
                {}};
  if (!options_.task_guard.empty()) {  // its guard outlives a restart and says how it ended
    job.spec.exit_record_path = base + ".exit";
    job.spec.task_guard = options_.task_guard;
  } else {
    ::unlink((base + ".exit").c_str());  // an earlier attempt's record is not this one's
  }
  job.prepare = [this, confiner = options_.confiner, record = task.record](LaunchSpec* spec) {
    if (!unrecorded_.begin_launch()) return Status::failed_precondition("another replica leads");
    return confiner != nullptr ? confiner->prepare(record, spec) : Status::ok();
  };
  held_launches_.push_back(std::move(job));
}

void Scheduler::start_held_launches(bool epoch_confirmed) {
  if (held_launches_.empty()) return;
  std::vector<LaunchJob> jobs;
  jobs.swap(held_launches_);
  if (Status s = epoch_confirmed ? Status::ok() : store_->confirm_write_epoch(); !s.is_ok()) {
    log_line("no task started: " + s.message());
    if (options_.on_fenced) return options_.on_fenced(s);
    for (LaunchJob& job : jobs) {
      LiveTask& task = live_.at(job.tag);
      task.launching = false;
      fail_start(task, s);
    }
    return;
  }
  for (LaunchJob& job : jobs) (void)launcher_->enqueue(std::move(job));
}

void Scheduler::check_disk() {
  const auto now = SteadyClock::now();
  if (now < next_disk_check_) return;
  next_disk_check_ = now + kDiskCheckPeriod;
  if (options_.task_log_cap > 0) cut_logs_over_cap();
  if (options_.min_free_disk > 0) check_free_disk();
}

void Scheduler::cut_logs_over_cap() {
  for (TaskId id : running_ids_) {
    LiveTask& task = live_.at(id);
    const bool local_process = task.agent == 0 && task.record.pid != 0;
    if (!local_process || task.ending || task.log_cut) continue;
    for (const char* suffix : {".out", ".err"}) {
      if (!cut_log_over_cap(log_base(id) + suffix, options_.task_log_cap)) continue;
      task.log_cut = true;
      (void)stop_process(task, std::chrono::milliseconds(0));
      break;
    }
  }
}

void Scheduler::check_free_disk() {
  const int64_t free = free_disk_bytes(options_.log_dir);
  std::string why;
  if (free >= 0 && free < options_.min_free_disk) {
    why = "the data dir's disk has " + std::to_string(free >> 20) +
          " MiB free, below the floor of " + std::to_string(options_.min_free_disk >> 20) +
          " MiB (--min-free-disk): no task starts until space is freed";
  }
  if (why == placements_paused_) return;
  log_line(why.empty() ? "the data dir's disk is above its floor again: tasks start" : why);
  placements_paused_ = why;
  dirty_ = true;
  std::lock_guard lock(views_mu_);
  paused_view_ = why;
}

std::string Scheduler::placements_paused() const {
  std::lock_guard lock(views_mu_);
  return paused_view_;
}

void Scheduler::forget_ledger(const std::string& enforcement_id) const {
  remove_enforcement_ledger(enforcement_id);
  if (options_.confiner != nullptr) options_.confiner->remove_ledger(enforcement_id);
}

std::string Scheduler::log_cap_reason() const {
  return "its output passed the log cap of " + std::to_string(options_.task_log_cap) +
         " bytes per stream (--task-log-cap): it was killed and its log cut there";
}

void Scheduler::check_fenced() {
  if (!options_.on_fenced) return;
  if (Status s = store_->confirm_write_epoch(); !s.is_ok()) options_.on_fenced(s);
}

void Scheduler::on_launched(LaunchOutcome outcome) {
  const TaskId id = outcome.tag;
  LiveTask& task = live_.at(id);  // a launching task is not forgotten: its cancel waits
  task.launching = false;
  if (!outcome.status.is_ok()) return fail_start(task, outcome.status);
  const ProcessIdentity& process = outcome.process.identity;
  supervisor_.hold_child(process);
  task_of_pid_[process.pid] = id;
  TaskTransition start = start_transition(task);
  start.pid = process.pid;
  start.process_start_time = process.start_time;
  start.stdout_path = log_base(id) + ".out";
  start.stderr_path = log_base(id) + ".err";
  task.deadline = SteadyClock::now() + std::chrono::milliseconds(task.record.spec.timeout_ms);
  commit_start(task, std::move(start));
}

void Scheduler::fail_start(LiveTask& task, const Status& why) {
  const TaskId id = task.record.id;
  if (options_.confiner != nullptr) options_.confiner->finish(id);
  release(task);
  task.ending = true;
  batch_.add(charged(transition(id, TaskState::kPending, TaskState::kFailed,
                                "could not start: " + why.message()),
                     task.record, 0),
             [this, id](const WriteResult&) { forget(id); });
}

void Scheduler::run_deferred() {
  std::vector<Command> deferred;
  deferred.swap(deferred_);
  for (Command& command : deferred) command();  // each defers itself again if it must
}

bool Scheduler::vgpu_launching(VgpuId id) const {
  return std::any_of(live_.begin(), live_.end(), [id](const auto& entry) {
    return entry.second.launching && entry.second.record.spec.vgpu == id;
  });
}

void Scheduler::commit_start(LiveTask& task, TaskTransition start) {
  const TaskId id = task.record.id;
  task.record.pid = start.pid.value_or(0);  // known before the commit, for cancels and exits
  batch_.add(start, [this, id, start](const WriteResult& result) {
    LiveTask& task = live_.at(id);
    if (task.record.pid != 0) unrecorded_.recorded(task.record.pid);
    if (!result.status.is_ok()) {  // cancelled meanwhile, or the store failed: undo the start
      log_line("task " + std::to_string(id) + " not started: " + result.status.message());
      task.ending = true;
      if (task.record.pid != 0) {
        (void)supervisor_.terminate(task.record.pid, std::chrono::milliseconds(0));
      } else {
        release(task);
        forget(id);
      }
      return;
    }
    (void)apply_transition(start, *start.at_us, &task.record);
    mark_running(task);
    schedule_latency_.observe(task.record.started_at_us - task.record.created_at_us);
    if (task.agent != 0) hand_to_agent(task);
  });
}

void Scheduler::finish_running(LiveTask& task, TaskState to, std::optional<int32_t> exit_code,
                               std::string reason) {
  const TaskId id = task.record.id;
  const int64_t held = held_gpu_milli(task);
  release(task);
  task.ending = true;
  TaskTransition end = transition(id, TaskState::kRunning, to, std::move(reason));
  end.exit_code = exit_code;
  if (task.usage) {
    end.cpu_ns = task.usage->cpu_ns;
    end.peak_memory_bytes = task.usage->peak_memory_bytes;
  }
  end.at_us =
      wall_clock_us();  // when the slice was given back, before anything else can start on it
  end = charged(std::move(end), task.record, held);
  if (task.record.spec.vgpu == kNoVgpu) {  // a pool task's ledger is its own
    forget_ledger(enforcement_id(options_.enforcement_prefix, kNoVgpu, id));
  }
  batch_.add(std::move(end), [this, id](const WriteResult& result) {
    if (!result.status.is_ok()) {
      log_line("task " + std::to_string(id) + ": " + result.status.message());
    }
    forget(id);
  });
}

void Scheduler::hold(LiveTask& task) {
  const TaskSpec& spec = task.record.spec;
  task.placement = task.record.placement.value_or(Placement{});
  if (spec.vgpu != kNoVgpu) {
    VgpuSlice* slice = vgpus_.placed(spec.vgpu);
    if (slice == nullptr) return;
    slice->take(spec, model_at(task.placement));
    task.holds_vgpu = true;
    return;
  }
  std::optional<TaskShape> shape =
      pool_->shape_on_node(spec.shape, spec.milli_tflops, task.placement.node);
  if (!shape || !ledger_.allocate(*shape, task.placement).is_ok()) {
    log_line("task " + std::to_string(task.record.id) + ": its slice could not be taken back");
    return;
  }
  task.pool_shape = shape;
  queue_.hold(holding_of(task));
}

void Scheduler::release(LiveTask& task) {
  if (task.pool_shape) {
    (void)ledger_.release(*task.pool_shape, task.placement);
    task.pool_shape.reset();
    queue_.release(task.record.id);
    keep_fenced_if_draining(task.placement.node);
  }
  if (task.holds_vgpu) {
    if (VgpuSlice* slice = vgpus_.find(task.record.spec.vgpu)) {
      slice->give(task.record.spec, model_at(task.placement));
    }
    task.holds_vgpu = false;
  }
  dirty_ = true;
  snapshot_stale_ = true;  // e.g. a cancelled task's process gone at last: nothing to commit
}

void Scheduler::keep_fenced_if_draining(NodeIndex node) {
  const int64_t id = agents_.agent_of(node);
  if (id == 0) return;
  AgentSession& agent = agents_.at(id);
  if (agent.draining) agent.fences.push_back(ledger_.fence_node(node));
}

void Scheduler::forget(TaskId id) {
  auto it = live_.find(id);
  if (it == live_.end()) return;
  queue_.erase(it->second.record.id);
  unmark_running(it->second);
  live_.erase(it);
  completions_.finish(id);
  dirty_ = true;
  snapshot_stale_ = true;
}

void Scheduler::publish_snapshot() {
  snapshot_stale_ = false;
  PoolSnapshot snap;
  snap.allocated_milli.assign(pool_->devices().size(), 0);
  snap.vgpus.assign(pool_->devices().size(), {});
  for (NodeIndex n = 0; n < ledger_.node_count(); ++n) {
    for (int slot = 0; slot < ledger_.spec(n).num_gpus; ++slot) {
      snap.allocated_milli[pool_->device_index(n, slot)] =
          kMilliPerGpu - ledger_.state(n).free_milli[slot];
    }
  }
  for (const auto& [id, slice] : vgpus_.slices()) {
    if (!slice.placed()) continue;
    for (int index : pool_->device_indices(*slice.record().placement))
      snap.vgpus[index].push_back(id);
  }
  for (const NodeState& node : ledger_.states()) snap.free_cpu_milli.push_back(node.free_cpu);
  snap.node_health.assign(ledger_.node_count(), NodeHealth{});
  for (const auto& [id, agent] : agents_.sessions()) {
    for (NodeIndex n : agent.nodes) snap.node_health[n] = {agent.ready, agent.last_seen_us};
  }
  snap.queued = queue_.size();
  snap.running = running_ids_.size();
  for (size_t p = 0; p < accounts_->projects.size(); ++p) {  // tasks and vGPUs
    snap.project_names.push_back(accounts_->projects[p].name);
    snap.project_gpu_milli.push_back(queue_.shares().held_gpu_milli(static_cast<int32_t>(p)));
    snap.project_queued.push_back(queue_.queued_in(static_cast<int32_t>(p)));
  }
  std::lock_guard lock(views_mu_);
  snapshot_ = std::move(snap);
}

// ---- Cancel and vGPUs, on the loop ----------------------------------------------------------

void Scheduler::cancel_on_loop(TaskId id, std::function<void(Status)> reply) {
  if (auto it = live_.find(id); it != live_.end()) {
    if (it->second.launching) {
      deferred_.push_back([this, id, reply] { cancel_on_loop(id, reply); });
      return;
    }
    if (it->second.ending)
      return reply(
          Status::failed_precondition("task " + std::to_string(id) + " is already finishing"));
    return cancel_live(it->second, std::move(reply));
  }
  TaskRecord record;
  if (Status s = store_->get_task(id, &record); !s.is_ok()) return reply(s);
  if (record.state != TaskState::kPending) {
    return reply(Status::failed_precondition("task " + std::to_string(id) + " is already " +
                                             std::string(task_state_name(record.state))));
  }
  // Committed but not yet handed to the loop: the compare-and-set keeps it from starting.
  batch_.add(
      charged(transition(id, TaskState::kPending, TaskState::kCancelled, "cancelled"), record, 0),
      [this, id, reply](const WriteResult& result) {
        if (result.status.is_ok()) completions_.finish(id);
        reply(result.status);
      });
}

void Scheduler::cancel_live(LiveTask& task, std::function<void(Status)> reply) {
  const TaskId id = task.record.id;
  const TaskState from = task.record.state;
  task.ending = true;
  if (from == TaskState::kPending) queue_.erase(id);
  batch_.add(charged(transition(id, from, TaskState::kCancelled, "cancelled"), task.record,
                     held_gpu_milli(task)),
             [this, id, from, reply](const WriteResult& result) {
               LiveTask& task = live_.at(id);
               if (!result.status.is_ok()) {
                 task.ending = false;
                 if (from == TaskState::kPending) enqueue(task);
                 return reply(result.status);
               }
               if (from == TaskState::kRunning && stop_process(task, options_.kill_grace)) {
                 completions_.finish(id);  // the slice is given back when the process is gone
               } else {
                 release(task);
                 forget(id);
               }
               reply({});
             });
}

GpuModelId Scheduler::model_at(const Placement& placement) const {
  return pool_->nodes()[placement.node].model;
}

}  // namespace fastgpu
