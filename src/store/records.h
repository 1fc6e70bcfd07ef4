#pragma once
// The records fastgpud keeps durably: tasks and vGPUs, as plain structs with no behaviour of
// their own beyond the task state machine's rules.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/capacity_ledger.h"
#include "core/task.h"

namespace fastgpu {

/// Task and vGPU ids are assigned by the store, start at 1, grow in commit order and are
/// never reused. 0 means "none".
using TaskId = int64_t;
using VgpuId = int64_t;
inline constexpr VgpuId kNoVgpu = 0;

/// Life cycle of a task (the design brief's state machine):
///   pending -> running -> succeeded | failed | cancelled
///   running -> lost (node or daemon died) -> pending while retries remain
///   running -> preempted -> pending
/// Succeeded, failed and cancelled are terminal. Lost is final once retries are used up.
enum class TaskState : uint8_t {
  kPending,
  kRunning,
  kSucceeded,
  kFailed,
  kCancelled,
  kLost,
  kPreempted,
};
inline constexpr int kTaskStateCount = 7;

/// Lower-case name of a state ("pending", ...), as stored and as the API shows it.
std::string_view task_state_name(TaskState state);
/// The state called `name`, or nullopt when there is none.
std::optional<TaskState> parse_task_state(std::string_view name);
/// True for succeeded, failed and cancelled: nothing ever leaves these states.
bool is_terminal(TaskState state);
/// True when the state machine allows `from` -> `to`. The allowed moves are:
///   pending   -> running | cancelled | failed
///   running   -> succeeded | failed | cancelled | lost | preempted
///   lost      -> pending | failed | cancelled
///   preempted -> pending | failed | cancelled
bool is_legal_transition(TaskState from, TaskState to);

/// One environment variable of a command.
struct EnvVar {
  std::string name;
  std::string value;
  bool operator==(const EnvVar&) const = default;
};

/// Most bytes a command's argv, env and cwd may hold together (Linux's ARG_MAX is 2 MiB).
inline constexpr size_t kMaxCommandBytes = size_t{4} << 20;

/// A program to run: argv[0] is the executable; env is added to the task's environment.
struct CommandLine {
  std::vector<std::string> argv;
  std::vector<EnvVar> env;
  std::string cwd;  // empty: the daemon's choice
  bool operator==(const CommandLine&) const = default;
};

/// A synthetic load: holds milli_tflops of compute for duration_ms (the seed's Task(20, 5)).
struct SyntheticLoad {
  int64_t milli_tflops = 0;
  int64_t duration_ms = 0;
  bool operator==(const SyntheticLoad&) const = default;
};

/// What a task runs: a command or a synthetic load.
enum class WorkKind : uint8_t { kCommand, kSynthetic };

/// What a submitter asked for. Immutable once the task exists.
struct TaskSpec {
  std::string owner;  // the user; never empty
  std::string name;
  int32_t priority = 0;  // higher runs first
  TaskShape shape;
  int64_t milli_tflops = 0;  // compute asked in TFLOPS (thousandths); 0 when asked as a share
  VgpuId vgpu = kNoVgpu;     // the vGPU the task runs in, or kNoVgpu for the pool
  WorkKind kind = WorkKind::kCommand;
  CommandLine command;       // meaningful when kind == kCommand
  SyntheticLoad synthetic;   // meaningful when kind == kSynthetic
  int32_t max_retries = 0;   // retries allowed after the task is lost
  int64_t timeout_ms = 0;    // 0: no timeout
  bool enforce = true;       // fractional slices run under libfastgpu-vgpu.so when installed
  bool preemptible = false;  // a project below its fair share may stop it to reclaim GPUs
  bool operator==(const TaskSpec&) const = default;
};

/// A task as stored: its spec plus what the daemon recorded about its current attempt.
/// Timestamps are microseconds since the Unix epoch; 0 means "not yet".
struct TaskRecord {
  TaskId id = 0;
  int64_t sequence = 0;  // submission order; FIFO order within a priority
  TaskSpec spec;
  TaskState state = TaskState::kPending;
  int32_t retries_used = 0;
  int32_t attempts = 0;                // attempts started: 1 while the first runs
  std::optional<Placement> placement;  // set while placed (running), cleared on requeue
  int32_t pid = 0;                     // 0: no process
  uint64_t process_start_time = 0;     // clock ticks after boot, as /proc/PID/stat field 22
  std::optional<int32_t> exit_code;
  std::string failure_reason;
  int64_t created_at_us = 0;
  int64_t started_at_us = 0;
  int64_t ended_at_us = 0;
  std::string stdout_path;
  std::string stderr_path;
  int64_t cpu_ns = 0;             // CPU time of its processes (its cgroup's), once it ended
  int64_t peak_memory_bytes = 0;  // their highest memory use; 0: not measured
  bool operator==(const TaskRecord&) const = default;
};

/// Whom the end of a task's attempt, or of a vGPU's stretch on a GPU, is charged to: the store
/// writes it to its usage ledger in the same transaction as the change that ends it.
struct UsageCharge {
  std::string project;    // the owner's project when it ended
  std::string model;      // the GPU model it held ("" when it held no GPU)
  int64_t gpu_milli = 0;  // milli-GPU held; GPU-seconds = gpu_milli / 1000 * seconds held
  int64_t since_us = 0;   // a vGPU's: when it took its GPU (0: its creation)
  bool operator==(const UsageCharge&) const = default;
};

/// A state change of one task with compare-and-set semantics: it applies only when the task is
/// in state `from`, and only when is_legal_transition(from, to). Each optional field that is set
/// is recorded with the change; unset fields keep their stored value, except that:
///   - entering running sets started_at_us, and entering any other non-pending state sets
///     ended_at_us, to `at_us` (default: now);
///   - entering pending (a requeue) clears placement, pid, process start time, exit code and
///     the start and end times, so the record describes the next attempt.
struct TaskTransition {
  TaskId id = 0;
  TaskState from = TaskState::kPending;
  TaskState to = TaskState::kRunning;
  std::optional<Placement> placement;
  std::optional<int32_t> pid;
  std::optional<uint64_t> process_start_time;
  std::optional<int32_t> exit_code;
  std::optional<std::string> failure_reason;
  std::optional<std::string> stdout_path;
  std::optional<std::string> stderr_path;
  std::optional<int64_t> at_us;
  std::optional<int64_t> cpu_ns;
  std::optional<int64_t> peak_memory_bytes;
  bool count_retry = false;  // retries_used += 1 (a lost task going back to pending)
  // Set on a change into succeeded, failed, cancelled, lost or preempted: the store records the
  // attempt in its usage ledger (its GPU time when it leaves running, else a count only).
  std::optional<UsageCharge> charge;
};

/// Applies `t` to `record` in memory, checking the precondition and the state machine.
/// Returns kFailedPrecondition (record unchanged) when record->state != t.from, kInvalidArgument
/// when the move is illegal. `now_us` is used when t.at_us is unset. Every Store applies
/// transitions through this function, so all back ends share one set of rules.
Status apply_transition(const TaskTransition& t, int64_t now_us, TaskRecord* record);

/// Whether the daemon still has work to do for the task after a restart: pending, running and
/// preempted tasks, and lost tasks with retries left.
bool is_unfinished(const TaskRecord& task);

/// Returns an empty string when `spec` can be stored, else a message naming the bad field.
std::string validate_task_spec(const TaskSpec& spec);

/// Life cycle of a vGPU: pending (not placed yet) -> active (holds its slice) -> deleted.
enum class VgpuState : uint8_t { kPending, kActive, kDeleted };

/// Lower-case name of a vGPU state, as stored.
std::string_view vgpu_state_name(VgpuState state);
/// The vGPU state called `name`, or nullopt when there is none.
std::optional<VgpuState> parse_vgpu_state(std::string_view name);

/// What a vGPU's creator asked for: compute in TFLOPS or a GPU share, and memory.
struct VgpuSpec {
  std::string owner;         // never empty
  int64_t milli_tflops = 0;  // compute asked in TFLOPS (thousandths); 0 when asked as a share
  MilliGpu gpu_milli = 0;    // the share of one GPU asked for, or the one the TFLOPS resolved to
  MemoryMib memory_mib = 0;  // GPU memory of the slice; 0: its share of the GPU's memory
  // How it is given back without an explicit delete (0: never that way), in milliseconds:
  int64_t lease_ms = 0;         // reclaimed once its tasks have ended when not renewed this long
  int64_t ttl_ms = 0;           // deleted this long after its creation, its tasks cancelled
  int64_t idle_timeout_ms = 0;  // deleted after this long with no unfinished task
  bool operator==(const VgpuSpec&) const = default;
};

/// A vGPU as stored. Its placement is one node and a single GPU of it (gpus has one bit).
struct VgpuRecord {
  VgpuId id = 0;
  VgpuSpec spec;
  VgpuState state = VgpuState::kPending;
  std::optional<Placement> placement;
  int64_t created_at_us = 0;
  int64_t deleted_at_us = 0;
  std::string deleted_reason;  // why it was deleted ("deleted by alice", "its lease lapsed")
  bool operator==(const VgpuRecord&) const = default;
};

/// Longest lease, ttl or idle timeout a vGPU may have: 30 days.
inline constexpr int64_t kMaxVgpuTimerMs = int64_t{30} * 24 * 3600 * 1000;

/// The Unix uid the tasks of `owner` run as, taken from [first, last] on the owner's first task
/// and kept for good (the same on every host and after restarts). result.ids holds the uid.
/// kResourceExhausted when the range is used up.
struct AssignTaskUid {
  std::string owner;
  int64_t first = 0;
  int64_t last = 0;
};

/// Returns an empty string when `spec` can be stored, else a message naming the bad field.
std::string validate_vgpu_spec(const VgpuSpec& spec);

}  // namespace fastgpu
