#include "store/records.h"

#include <array>

namespace fastgpu {
namespace {

constexpr std::array<std::string_view, kTaskStateCount> kTaskStateNames = {
    "pending", "running", "succeeded", "failed", "cancelled", "lost", "preempted"};
constexpr std::array<std::string_view, 3> kVgpuStateNames = {"pending", "active", "deleted"};

// Bit set of states, indexed by TaskState.
constexpr uint32_t bit(TaskState s) { return uint32_t{1} << static_cast<int>(s); }

uint32_t legal_targets(TaskState from) {
  using S = TaskState;
  switch (from) {
    case S::kPending:
      return bit(S::kRunning) | bit(S::kCancelled) | bit(S::kFailed);
    case S::kRunning:
      return bit(S::kSucceeded) | bit(S::kFailed) | bit(S::kCancelled) | bit(S::kLost) |
             bit(S::kPreempted);
    case S::kLost:
    case S::kPreempted:
      return bit(S::kPending) | bit(S::kFailed) | bit(S::kCancelled);
    default:
      return 0;
  }
}

template <typename Enum, size_t N>
std::optional<Enum> parse_name(const std::array<std::string_view, N>& names,
                               std::string_view name) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

// Records the fields the transition carries, leaving the others as they are.
void record_fields(const TaskTransition& t, TaskRecord* r) {
  if (t.placement) r->placement = t.placement;
  if (t.pid) r->pid = *t.pid;
  if (t.process_start_time) r->process_start_time = *t.process_start_time;
  if (t.exit_code) r->exit_code = t.exit_code;
  if (t.failure_reason) r->failure_reason = *t.failure_reason;
  if (t.stdout_path) r->stdout_path = *t.stdout_path;
  if (t.stderr_path) r->stderr_path = *t.stderr_path;
  if (t.cpu_ns) r->cpu_ns = *t.cpu_ns;
  if (t.peak_memory_bytes) r->peak_memory_bytes = *t.peak_memory_bytes;
}

// A requeued task starts its next attempt from a clean slate.
void reset_attempt(TaskRecord* r) {
  r->placement.reset();
  r->pid = 0;
  r->process_start_time = 0;
  r->exit_code.reset();
  r->cpu_ns = 0;
  r->peak_memory_bytes = 0;
  r->started_at_us = 0;
  r->ended_at_us = 0;
}

// The number of continuation bytes after a UTF-8 lead byte, or -1 when `lead` cannot lead.
int continuation_bytes(unsigned char lead) {
  if (lead < 0x80) return 0;
  if (lead >= 0xC2 && lead <= 0xDF) return 1;
  if (lead >= 0xE0 && lead <= 0xEF) return 2;
  if (lead >= 0xF0 && lead <= 0xF4) return 3;
  return -1;
}

// Well-formed UTF-8 (no overlong forms, surrogates or code points above U+10FFFF), no NUL.
bool is_text(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto lead = static_cast<unsigned char>(s[i]);
    const int extra = continuation_bytes(lead);
    if (lead == 0 || extra < 0 || s.size() - i <= static_cast<size_t>(extra)) return false;
    uint32_t code = extra == 0 ? lead : lead & (0x3F >> extra);
    for (int k = 1; k <= extra; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      code = (code << 6) | (c & 0x3F);
    }
    constexpr uint32_t kSmallestOf[] = {0, 0x80, 0x800, 0x10000};
    if (code < kSmallestOf[extra] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
      return false;
    }
    i += 1 + extra;
  }
  return true;
}

// Text columns hold what every back end can store: PostgreSQL's text refuses NUL bytes and
// bytes that are not UTF-8 (command lines are stored as bytes and may hold anything).
std::string validate_text(const char* field, std::string_view value) {
  if (is_text(value)) return {};
  return std::string(field) + " must be UTF-8 text without NUL bytes";
}

std::string validate_command(const CommandLine& c) {
  if (c.argv.empty() || c.argv[0].empty()) return "command.argv must name a program";
  size_t bytes = c.cwd.size();
  for (const std::string& arg : c.argv) bytes += arg.size();
  for (const EnvVar& v : c.env) {
    if (v.name.empty() || v.name.find('=') != std::string::npos) {
      return "command.env name '" + v.name + "' must be non-empty and contain no '='";
    }
    bytes += v.name.size() + v.value.size();
  }
  if (bytes > kMaxCommandBytes) {
    return "command is " + std::to_string(bytes) + " bytes; at most " +
           std::to_string(kMaxCommandBytes) + " are allowed";
  }
  return {};
}

}  // namespace

std::string_view task_state_name(TaskState state) {
  return kTaskStateNames[static_cast<size_t>(state)];
}

std::optional<TaskState> parse_task_state(std::string_view name) {
  return parse_name<TaskState>(kTaskStateNames, name);
}

bool is_terminal(TaskState state) {
  return state == TaskState::kSucceeded || state == TaskState::kFailed ||
         state == TaskState::kCancelled;
}

bool is_legal_transition(TaskState from, TaskState to) { return legal_targets(from) & bit(to); }

Status apply_transition(const TaskTransition& t, int64_t now_us, TaskRecord* record) {
  if (!is_legal_transition(t.from, t.to)) {
    return Status::invalid_argument("task state cannot go from " +
                                    std::string(task_state_name(t.from)) + " to " +
                                    std::string(task_state_name(t.to)));
  }
  if (record->state != t.from) {
    return Status::failed_precondition("task " + std::to_string(record->id) + " is " +
                                       std::string(task_state_name(record->state)) + ", not " +
                                       std::string(task_state_name(t.from)));
  }
  const int64_t at = t.at_us.value_or(now_us);
  if (t.to == TaskState::kPending) reset_attempt(record);
  record_fields(t, record);
  if (t.count_retry) ++record->retries_used;
  if (t.to == TaskState::kRunning) {
    record->started_at_us = at;
    ++record->attempts;
  }
  if (t.to != TaskState::kRunning && t.to != TaskState::kPending) record->ended_at_us = at;
  record->state = t.to;
  return Status::ok();
}

bool is_unfinished(const TaskRecord& task) {
  switch (task.state) {
    case TaskState::kPending:
    case TaskState::kRunning:
    case TaskState::kPreempted:
      return true;
    case TaskState::kLost:
      return task.retries_used < task.spec.max_retries;
    default:
      return false;
  }
}

std::string validate_task_spec(const TaskSpec& spec) {
  if (spec.owner.empty()) return "owner must not be empty";
  for (const auto& [field, value] : {std::pair{"owner", &spec.owner},
                                     {"name", &spec.name},
                                     {"command.cwd", &spec.command.cwd}}) {
    if (std::string error = validate_text(field, *value); !error.empty()) return error;
  }
  if (std::string shape = validate_task_shape(spec.shape); !shape.empty()) return shape;
  if (spec.milli_tflops < 0) return "milli_tflops must not be negative";
  if (spec.vgpu < 0) return "vgpu must not be negative";
  if (spec.max_retries < 0) return "max_retries must not be negative";
  if (spec.timeout_ms < 0) return "timeout_ms must not be negative";
  if (spec.kind == WorkKind::kCommand) return validate_command(spec.command);
  if (spec.synthetic.milli_tflops < 0) return "synthetic.milli_tflops must not be negative";
  if (spec.synthetic.duration_ms < 0) return "synthetic.duration_ms must not be negative";
  return {};
}

std::string_view vgpu_state_name(VgpuState state) {
  return kVgpuStateNames[static_cast<size_t>(state)];
}

std::optional<VgpuState> parse_vgpu_state(std::string_view name) {
  return parse_name<VgpuState>(kVgpuStateNames, name);
}

std::string validate_vgpu_spec(const VgpuSpec& spec) {
  if (spec.owner.empty()) return "owner must not be empty";
  if (std::string error = validate_text("owner", spec.owner); !error.empty()) return error;
  if (spec.milli_tflops < 0) return "milli_tflops must not be negative";
  if (spec.gpu_milli < 0 || spec.gpu_milli > kMilliPerGpu) {
    return "gpu_milli must be within 0..1000";
  }
  if (spec.milli_tflops == 0 && spec.gpu_milli == 0) {
    return "a vGPU must ask for milli_tflops or gpu_milli";
  }
  if (spec.memory_mib < 0) return "memory_mib must not be negative";
  for (auto [name, ms] : {std::pair{"lease_ms", spec.lease_ms}, std::pair{"ttl_ms", spec.ttl_ms},
                          std::pair{"idle_timeout_ms", spec.idle_timeout_ms}}) {
    if (ms < 0 || ms > kMaxVgpuTimerMs) {
      return std::string(name) + " must be within 0.." + std::to_string(kMaxVgpuTimerMs);
    }
  }
  return {};
}

}  // namespace fastgpu
