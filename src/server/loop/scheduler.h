#pragma once
// fastgpud's control loop: admission, the queue, placement on the pool and in vGPUs, task
// processes and synthetic loads, cancellation, and recovery after a restart.

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "agent/agent_protocol.h"
#include "core/wall_clock.h"
#include "runtime/launch_worker.h"
#include "runtime/process_supervisor.h"
#include "runtime/unrecorded_starts.h"
#include "sched/placer.h"
#include "sched/queue/accounts.h"
#include "sched/queue/queue_engine.h"
#include "server/loop/admission.h"
#include "server/loop/agent_registry.h"
#include "server/loop/completion_board.h"
#include "server/loop/gpu_pool.h"
#include "server/loop/latency_histogram.h"
#include "server/loop/task_confiner.h"
#include "server/loop/task_launch.h"
#include "server/loop/usage_meter.h"
#include "server/loop/vgpu_book.h"
#include "server/loop/vgpu_slice.h"
#include "server/loop/write_batch.h"
#include "store/store.h"

namespace fastgpu {

/// Whether a ledger node can take work: local nodes always can; an agent's while it heartbeats.
struct NodeHealth {
  bool ready = true;
  int64_t last_heartbeat_us = 0;  // agents' nodes: wall clock of the last sync; 0 for local ones
};

/// What the pool looks like now, for /v1/gpus and /metrics.
struct PoolSnapshot {
  std::vector<NodeHealth> node_health;     // per ledger node
  std::vector<MilliGpu> allocated_milli;   // per device index
  std::vector<std::vector<VgpuId>> vgpus;  // per device index: active vGPUs on it
  std::vector<MilliCpu> free_cpu_milli;    // per ledger node
  size_t queued = 0;                       // pending tasks
  size_t running = 0;                      // tasks holding capacity
  std::vector<std::string> project_names;  // the projects, by index
  std::vector<int64_t> project_gpu_milli;  // per project: GPU-milli its tasks and vGPUs hold
  std::vector<size_t> project_queued;      // per project: tasks waiting
};

/// The scheduler of one host. One loop thread owns the ledger, the queue, the vGPU slices and
/// the task processes; API threads hand it work through an inbox and wait for the commit of
/// what they asked. Every state change is committed through `writer` before it is acknowledged
/// or acted on (a process is started before its running state is committed; a crash between
/// the two re-runs the task). Processes are started on LaunchWorker threads
/// (Options::launch_threads of them, side by side), so log files and spawning do not hold up
/// the loop; a command touching a task whose launch is in flight (cancel, vGPU delete) waits for
/// that launch to finish.
///
/// Queue: the QueueEngine (sched/queue) decides the order (aged tasks first, then fair share
/// among the projects of Options::accounts, users of a project equally, priority, FIFO),
/// backfill with `backfill_patience`, project quotas, and whom to preempt; the scheduler is its
/// host (scheduler_queue.cc): it says what fits, starts tasks and stops victims.
///
/// Preemption: when a pool task cannot start and stopping running pool tasks of lower priority
/// in its project (or, for a project below its fair share, preemptible tasks of projects above
/// theirs) would make room, the fewest such tasks on one node are preempted: committed
/// preempted -> pending, their process groups get SIGTERM and SIGKILL after the grace period,
/// and they queue again once their processes are gone.
class Scheduler {
 public:
  struct Options {
    std::string policy = "fgd-balanced";
    std::string log_dir;           // where task stdout/stderr files go; must exist
    EnforcementPaths enforcement;  // the vGPU library of fractional tasks
    // The program local tasks run under (find_task_guard()), which records how each ended so
    // that a restart learns it; empty: none, and a task that ends while fastgpud is down ends
    // with no known exit status.
    std::string task_guard;
    const TaskConfiner* confiner = nullptr;       // confines local tasks; null: nothing does
    std::string enforcement_prefix = "fastgpud";  // keeps this daemon's vGPU ledgers apart
    std::chrono::milliseconds kill_grace{5000};
    std::chrono::milliseconds backfill_patience{10000};
    /// A task waiting this long goes before every task that has not; 0: tasks never age.
    std::chrono::milliseconds aging{0};
    /// The projects sharing the pool, and their users.
    Accounts accounts = Accounts::single_project();
    int launch_threads = 2;                         // processes started at once (LaunchWorker)
    std::chrono::milliseconds tick{2};              // how often running processes are polled
    std::chrono::milliseconds node_timeout{10000};  // agent silence -> node not ready
    /// True when a pool task of this shape could run on a node the pool may still get (the
    /// autoscaler's catalog); such tasks are admitted though no node of the pool could hold
    /// them now. Empty: only the pool counts. Called from API threads.
    std::function<bool(const TaskShape&)> feasible_elsewhere;
    /// Called on the loop when the store says a newer replica leads (Store::
    /// confirm_write_epoch() fails before processes start, or after a commit failed). It must
    /// end the process, so that the deposed leader's task processes die with it. Empty: the
    /// held launches fail instead.
    std::function<void(const Status&)> on_fenced;
    /// After start(), how long nothing is placed: the time a deposed leader may still need to
    /// see that its lease is gone and end with its processes. 0 for a store of one replica.
    std::chrono::milliseconds takeover_grace{0};
    /// Most bytes a task's stdout or stderr log may hold (output_cap.h). A task passing it is
    /// killed and fails, its log cut to the cap and ended with a note. 0: no cap.
    int64_t task_log_cap = 0;
    /// Below this many free bytes on log_dir's file system no task or vGPU is placed;
    /// placements_paused() says why. 0: no floor.
    int64_t min_free_disk = 0;
    /// Without an enforcement library, fractional tasks are refused (503) unless this is set;
    /// they are then admitted and recorded as not enforced ("enforce": false).
    bool allow_unenforced = false;
  };

  /// An agent as the live autoscaler sees it.
  struct AgentUse {
    std::string name;
    bool ready = false;  // heartbeating and not retired
    bool busy = false;   // some task holds capacity on its nodes or runs there
  };
  /// What the live autoscaler needs, gathered at one point of the loop.
  struct AutoscaleView {
    std::vector<TaskShape> pending;  // queued pool tasks and vGPUs not placed (their slices)
    // Those of them sized in TFLOPS: the shape without its GPU share, and the TFLOPS, whose
    // share depends on the GPU model.
    std::vector<std::pair<TaskShape, int64_t>> pending_tflops;
    std::vector<AgentUse> agents;
  };

  /// Most queued tasks one pass examines, per resource, after the first that does not fit.
  static constexpr size_t kBackfillWindow = 1000;
  /// How often leases, ttls and idle timeouts of vGPUs are checked.
  static constexpr std::chrono::milliseconds kExpiryCheckPeriod{100};
  /// How often log sizes and the data dir's free space are checked.
  static constexpr std::chrono::milliseconds kDiskCheckPeriod{250};

  /// Builds a scheduler over `store` (reads) and `writer` (writes; a BatchWriter in front of the
  /// store), neither owned; both must outlive it. kInvalidArgument for an unknown policy.
  static Status create(Store* store, Writer* writer, GpuPool pool, Options options,
                       std::unique_ptr<Scheduler>* out);
  ~Scheduler();

  /// Reloads the durable state: vGPUs take their slices back, pending tasks keep their order,
  /// running tasks whose process lives (pid + start time) are re-adopted, the others are marked
  /// lost and requeued while retries remain. A process still running for a task that is pending
  /// again (the daemon died between starting it and recording the start, or during a
  /// preemption's grace) has its process group killed, so that no task runs twice at once; so
  /// does a task's process that was still being stopped after its task ended (a cancel).
  /// Call once, before start().
  Status recover();
  /// Starts and stops the loop thread. stop() leaves task processes running.
  void start();
  void stop();
  /// For a replica about to end because another leads: refuses further launches and kills the
  /// task processes started whose start the store has not recorded (UnrecordedStarts), which
  /// the new leader would otherwise start again beside them. Thread-safe.
  void abandon_unrecorded_starts() { unrecorded_.abandon(); }
  /// Why nothing is placed now (the data dir's disk is below Options::min_free_disk); empty
  /// while placements run. Thread-safe.
  std::string placements_paused() const;

  /// Admits (Admission::admit), commits and queues one task; *out receives the stored record.
  /// Thread-safe.
  Status submit(TaskSpec spec, TaskRecord* out);
  /// Cancels a pending or running task (its process group gets SIGTERM, then SIGKILL after
  /// the grace period). 409 when it already finished. Thread-safe.
  Status cancel(TaskId id);
  /// Creates a vGPU, placed now when capacity allows, else pending until it does. 422 when no
  /// GPU could ever hold it. Thread-safe.
  Status create_vgpu(VgpuSpec spec, VgpuId* id);
  /// Deletes a vGPU and gives its slice back; its record keeps `reason`. 409 while it has
  /// unfinished tasks, unless `force`, which cancels them. Thread-safe.
  Status delete_vgpu(VgpuId id, bool force, std::string reason);
  /// Extends the lease of vGPU `id` by its lease period; *lease_end_us gets the new expiry
  /// (wall clock), 0 when it has no lease. 404 for a vGPU that is gone. Thread-safe.
  Status renew_vgpu(VgpuId id, int64_t* lease_end_us);
  /// Ends the lease of vGPU `id` now: it is deleted once its tasks have ended. Thread-safe.
  Status release_vgpu(VgpuId id);

  /// Registers agent `request.name` (or takes a returning one back, with its nodes and a new
  /// session and credential): its GPUs become nodes of the pool. 409 when a returning agent
  /// reports a different number of GPUs, or when the name's agent is still heartbeating and
  /// `request.credential` is not its credential; 400 for an inventory the pool cannot take.
  /// Thread-safe.
  Status register_agent(RegisterRequest request, RegisterReply* out);
  /// Declares agent `name`'s nodes not ready now, as if it had timed out (its tasks are lost and
  /// retried; those being preempted are requeued), takes its GPUs out of the pool, and voids its
  /// credential so that a new registration of the name is taken. `by` names who asked, for the
  /// log. 404 for an unknown name. Thread-safe.
  Status remove_agent(const std::string& name, const std::string& by);
  /// An agent's heartbeat: records the ends it reports (acknowledged once committed), orders it
  /// to stop what it runs but should not, marks lost what it was given but no longer knows, then
  /// answers with the tasks to start and stop, waiting up to request.wait_ms for some. 409 when
  /// the session is not current or the node was declared not ready: the agent must stop its
  /// tasks and register again; 401 when request.credential is not the session's. Thread-safe.
  Status sync_agent(const SyncRequest& request, SyncReply* out);

  /// The queued pool tasks (not those of vGPUs, nor TFLOPS-sized ones, whose shape depends on
  /// the GPU model) and the agents. Thread-safe.
  Status autoscale_view(AutoscaleView* out);
  /// Retires agent `name` when it is idle: its nodes are fenced off at once and its syncs and
  /// registrations are refused from then on, so nothing lands there while it is stopped.
  /// 404 for an unknown agent, 409 while it is busy. Thread-safe.
  Status retire_agent(const std::string& name);
  /// Drains agent `name`, whose node the market is taking back: its nodes are fenced off at
  /// once, and each task it runs is preempted with `reason` (SIGTERM, SIGKILL after the grace
  /// period; back to pending without spending a retry). *requeued receives how many. The agent
  /// stays in its session so that the stops reach it; remove_agent() gives the node up after.
  /// kNotFound for an unknown agent, kFailedPrecondition for one that is not ready.
  /// Thread-safe.
  Status drain_agent(const std::string& name, const std::string& reason, int64_t* requeued);
  /// How long a stopped task gets between SIGTERM and SIGKILL (Options::kill_grace).
  std::chrono::milliseconds kill_grace() const { return options_.kill_grace; }

  /// The projects, their users and the prices of a GPU-hour, as now. Thread-safe.
  std::shared_ptr<const Accounts> accounts() const;
  /// The name of the project `user`'s work counts against now. Thread-safe.
  std::string project_of(const std::string& user) const;
  /// Replaces the projects, users and prices (the accounts file reloaded) at the loop's next
  /// iteration (on a replica that does not lead, once it leads): waiting tasks, running ones
  /// and vGPUs move to their users' new projects, and new limits apply from the next pass.
  /// Nothing running is stopped for a lower limit. Thread-safe.
  void reload_accounts(Accounts accounts);
  /// Why each of tasks `ids` waits, as of the last scheduling pass (kNone for one that does not
  /// wait). Thread-safe.
  Status pending_reasons(std::vector<TaskId> ids, std::vector<PendingReason>* out);

  /// Why vGPU `id` is not placed yet (kQuota, kResources), as of the last try; kNone when it is
  /// placed or was not tried yet. Thread-safe.
  PendingReason vgpu_pending_reason(VgpuId id) const;
  /// What running tasks and active vGPUs matching `query` have held so far (state "running" or
  /// "active", no ends), summed per owner, project, model, kind and state. Thread-safe.
  Status live_usage(const UsageQuery& query, std::vector<UsageTotal>* out);
  /// Per-project usage counters of the ends charged since the daemon started.
  const UsageMeter& usage_meter() const { return usage_meter_; }

  /// Long-polls, see CompletionBoard. Thread-safe.
  CompletionBoard& completions() { return completions_; }
  /// The pool's allocation as of the last loop iteration. Thread-safe.
  PoolSnapshot snapshot() const;
  /// Submit -> running latencies observed so far.
  const LatencyHistogram& schedule_latency() const { return schedule_latency_; }
  /// The pool as of now (agents add nodes to it). Thread-safe.
  std::shared_ptr<const GpuPool> pool() const;

 private:
  // A task the loop is responsible for: pending or running (or being stopped).
  struct LiveTask {
    TaskRecord record;                    // as last committed
    std::optional<TaskShape> pool_shape;  // set while holding pool capacity
    bool holds_vgpu = false;              // true while holding part of its vGPU's slice
    bool launching = false;               // its process is being started on the launch worker
    bool ending = false;                  // its final state is committed or being committed
    bool timed_out = false;
    bool log_cut = false;              // its output passed Options::task_log_cap: killed, it fails
    bool preempted = false;            // requeued once its process group is gone
    std::optional<CgroupUsage> usage;  // what its processes used, once they ended
    int64_t agent = 0;                 // the agent running it; 0: this host
    std::array<int64_t, 2> agent_output_bytes{};     // stdout, stderr received from the agent
    Placement placement;                             // where it runs, once reserved
    std::chrono::steady_clock::time_point deadline;  // synthetic end, or command timeout
    std::chrono::steady_clock::time_point queued_at;
  };
  using Command = std::function<void()>;

  Scheduler(Store* store, Writer* writer, GpuPool pool, Options options,
            std::unique_ptr<PlacementPolicy> policy);

  // Runs `command` on the loop thread and waits for it to call its reply.
  Status run_on_loop(std::function<void(std::function<void(Status)>)> command);
  void loop();
  void iterate();

  // Loop-thread work (scheduler.cc).
  void absorb(TaskRecord record);
  void reap_exits();
  void end_synthetic_and_timeouts();
  // Counts a task whose start is committed as running, and files its deadline (a synthetic
  // task's end, a command's timeout) for end_synthetic_and_timeouts(); unmark_running undoes it
  // when the task stops counting as running (it is requeued or forgotten).
  void mark_running(const LiveTask& task);
  void unmark_running(const LiveTask& task);
  bool try_place_pending_vgpus();
  bool fits_pool_now(const TaskSpec& spec);
  void preempt(LiveTask& victim, std::string_view reason);
  // Takes the task's slice (of the pool, within `room`, or of its vGPU); nullopt when it does
  // not fit now, *reason saying why.
  std::optional<Placement> reserve(LiveTask& task, const QuotaRoom& room, PendingReason* reason);

  // The scheduler as the queue engine's host (scheduler_queue.cc), on the loop.
  class QueueSide;
  void schedule_pass();
  void enqueue(const LiveTask& task);
  QueueEntry queue_entry(const LiveTask& task) const;
  Holding holding_of(const LiveTask& task) const;
  StartVerdict start_from_queue(LiveTask& task, const QuotaRoom& room);
  void launch(LiveTask& task);
  // Starts the launches this iteration queued, once the store confirms this replica still
  // holds the newest write epoch (`epoch_confirmed`: a commit after they were queued did):
  // processes start only from a confirmed leader.
  void start_held_launches(bool epoch_confirmed);
  // Every kDiskCheckPeriod: cuts the logs of local tasks over the cap (and stops those tasks),
  // and pauses or resumes placements by the free space on the data dir's disk.
  void check_disk();
  void cut_logs_over_cap();
  void check_free_disk();
  // Removes the ledger of `enforcement_id` (its vGPU or pool task is gone), wherever it is.
  void forget_ledger(const std::string& enforcement_id) const;
  // The failure reason of a task whose output passed the log cap.
  std::string log_cap_reason() const;
  // After a failed commit: ends the replica through on_fenced when a newer one leads.
  void check_fenced();
  void on_launched(LaunchOutcome outcome);
  void fail_start(LiveTask& task, const Status& why);
  TaskTransition start_transition(const LiveTask& task) const;
  std::string log_base(TaskId id) const;
  bool vgpu_launching(VgpuId id) const;
  void run_deferred();
  void commit_start(LiveTask& task, TaskTransition transition);
  void finish_running(LiveTask& task, TaskState to, std::optional<int32_t> exit_code,
                      std::string reason);
  void release(LiveTask& task);
  void end_process(LiveTask& task, const ProcessExit& exit);
  bool stop_process(LiveTask& task, std::chrono::milliseconds grace);
  void requeue(LiveTask& task);
  void lose(LiveTask& task, const std::string& reason);
  void hold(LiveTask& task);
  void forget(TaskId id);
  void publish_snapshot();
  void cancel_on_loop(TaskId id, std::function<void(Status)> reply);
  void cancel_live(LiveTask& task, std::function<void(Status)> reply);
  void create_vgpu_on_loop(VgpuSpec spec, VgpuId* id, std::function<void(Status)> reply);
  void delete_vgpu_on_loop(VgpuId id, bool force, std::string reason,
                           std::function<void(Status)> reply);
  // Deletes the vGPUs whose lease lapsed, ttl ran out or idle timeout came (scheduler_vgpus.cc).
  void reclaim_expired_vgpus();
  TaskSlice slice_of(const LiveTask& task) const;
  TaskShape vgpu_shape(const VgpuSpec& spec) const;
  // Files a pending shape (of a task or a vGPU) as autoscaling demand in *out.
  static void add_demand(const TaskShape& shape, int64_t milli_tflops, AutoscaleView* out);
  // Places a vGPU of `spec` within its project's quota: takes its slice in the ledger, files
  // what it holds in the queue engine under `holding_key`, and returns where; nullopt, with
  // *reason, when it does not fit now. *taken gets the shape taken.
  std::optional<Placement> place_slice(const VgpuSpec& spec, uint64_t holding_key, TaskShape* taken,
                                       PendingReason* reason);
  // A placed vGPU as the queue engine counts it: its project's GPUs and GPU memory, not a task.
  Holding vgpu_holding(uint64_t key, const std::string& owner, const TaskShape& shape,
                       const Placement& placement) const;
  // Makes `accounts` the projects of the queue and of every later charge (reload_accounts).
  void apply_accounts(std::shared_ptr<const Accounts> accounts);
  GpuModelId model_at(const Placement& placement) const;

  // Usage (scheduler_usage.cc). `t`, an end of `record`'s attempt, charged to its owner's
  // project for `gpu_milli` held (at_us set to now when unset), and counted in usage_meter_.
  TaskTransition charged(TaskTransition t, const TaskRecord& record, int64_t gpu_milli);
  // The charge of a vGPU being deleted (counted in usage_meter_); nullopt when it held no GPU.
  std::optional<UsageCharge> vgpu_charge(const VgpuSlice& slice);
  // Milli-GPU of the pool `task` holds now (0 for a vGPU's task: its vGPU is charged).
  int64_t held_gpu_milli(const LiveTask& task) const;
  // Milli-GPU a recorded attempt held, from its placement (for one not taken back).
  int64_t recorded_gpu_milli(const TaskRecord& record) const;
  // The GPU model's name at `placement`; "" when none or the node is not known (yet).
  std::string model_name_at(const std::optional<Placement>& placement) const;

  // A compare-and-set state change of task `id`, with a failure reason when non-empty.
  static TaskTransition transition(TaskId id, TaskState from, TaskState to,
                                   std::string reason = {});

  // Agents (scheduler_agents.cc), on the loop.
  void register_on_loop(RegisterRequest request, RegisterReply* out,
                        std::function<void(Status)> reply);
  Status add_agent_nodes(AgentSession& agent, RegisterRequest request);
  void sync_on_loop(const SyncRequest& request, std::function<void(Status)> reply);
  void append_agent_output(AgentSession& agent, const LogChunk& chunk);
  void apply_agent_exit(AgentSession& agent, const TaskExitReport& report);
  void reconcile(AgentSession& agent, const SyncRequest& request);
  void drop_from_agent(LiveTask& task, const std::string& reason);
  void rebuild_placer();
  void assign_to_agent(LiveTask& task);
  void hand_to_agent(LiveTask& task);
  void check_agents();
  void node_down(AgentSession& agent, const std::string& why);
  void requeue_lost_on_agents();
  void publish_health();
  void set_pool(std::shared_ptr<const GpuPool> pool);
  // Fences again what a task gave back on `node` when its agent is draining (drain_agent).
  void keep_fenced_if_draining(NodeIndex node);
  // Publishes a pool without `agent`'s GPUs (retired or removed: it never comes back).
  void remove_from_pool(const AgentSession& agent);
  // Publishes a pool with a removed `agent`'s GPUs back (a new process registered its name).
  void restore_to_pool(const AgentSession& agent);

  // The live autoscaler (scheduler_autoscale.cc), on the loop.
  bool agent_busy(const AgentSession& agent) const;
  void retire_on_loop(const std::string& name, std::function<void(Status)> reply);

  // Recovery (scheduler_recovery.cc).
  // Takes the slice of a vGPU recorded as placed back in the ledger; the reason it cannot
  // (its node is an agent's, not yet registered, or its GPU changed), empty when it could.
  std::string take_back_slice(const VgpuRecord& vgpu);
  Status recover_vgpus();
  Status recover_task(TaskRecord record);
  // Takes a task recorded running on this host back as running (its slice, deadline and
  // process), and returns it.
  LiveTask& resume_running(TaskRecord record);
  Status requeue_lost(TaskRecord* record);
  // Kills the process groups left running from before the restart (see recover()).
  void stop_left_over_processes();
  // Why process `process`, writing task `id`'s stdout, must not run on: its task is pending
  // again, or ended while the process was being stopped. Empty when it may (a running task's).
  std::string why_left_over(TaskId id, const ProcessIdentity& process) const;

  Store* const store_;
  Writer* const writer_;
  const Options options_;
  std::shared_ptr<const GpuPool> pool_;  // replaced (on the loop) when an agent adds nodes

  // Owned by the loop thread (and by recover() before start()).
  CapacityLedger ledger_;
  std::unique_ptr<Placer> placer_;
  ProcessSupervisor supervisor_;
  QueueEngine queue_;
  std::unordered_map<TaskId, LiveTask> live_;
  std::unordered_map<pid_t, TaskId> task_of_pid_;
  std::set<TaskId> running_ids_;  // tasks holding capacity with a running state committed
  // The deadlines of the tasks in running_ids_ that have one, soonest first; an entry leaves
  // when it is acted on or its task stops running.
  std::set<std::pair<std::chrono::steady_clock::time_point, TaskId>> deadlines_;
  VgpuBook vgpus_;
  std::chrono::steady_clock::time_point next_expiry_check_;
  WriteBatch batch_;
  std::vector<Command> deferred_;         // commands waiting for a task's launch to finish
  std::vector<LaunchJob> held_launches_;  // queued by launch(), started after the epoch check
  std::chrono::steady_clock::time_point placements_from_;  // start() + takeover_grace
  std::chrono::steady_clock::time_point next_disk_check_;
  std::string placements_paused_;  // why the disk stops placements; empty: they run
  bool dirty_ = true;              // something changed that may let a queued task start
  bool snapshot_stale_ = false;    // the published snapshot misses a change of the loop's
  std::vector<std::function<void()>> after_commit_;  // run once this iteration's batch commits
  AgentRegistry agents_;
  // Tasks that ran on agents before a restart, requeued once those agents have fenced.
  std::vector<std::pair<std::chrono::steady_clock::time_point, TaskRecord>> lost_on_agents_;
  std::chrono::steady_clock::time_point health_published_;  // when heartbeats were last shown

  // Shared with API threads.
  mutable std::mutex inbox_mu_;
  std::condition_variable inbox_cv_;
  std::vector<TaskRecord> new_tasks_;    // guarded by inbox_mu_
  std::vector<Command> commands_;        // guarded by inbox_mu_
  std::vector<LaunchOutcome> launched_;  // guarded by inbox_mu_
  bool stopping_ = false;                // guarded by inbox_mu_
  mutable std::mutex views_mu_;
  PoolSnapshot snapshot_;    // guarded by views_mu_
  std::string paused_view_;  // guarded by views_mu_
  // The loop's accounts; admission_ holds the copy API threads read.
  std::shared_ptr<const Accounts> accounts_;
  // Checks tasks on API threads against the pool, vGPUs, accounts and queues the loop
  // publishes to it.
  Admission admission_;
  CompletionBoard completions_;
  LatencyHistogram schedule_latency_;
  UsageMeter usage_meter_;
  UnrecordedStarts unrecorded_;             // shared with launch threads and the lease's
  std::unique_ptr<LaunchWorker> launcher_;  // created by start(), closed by stop()
  std::thread thread_;
};

}  // namespace fastgpu
