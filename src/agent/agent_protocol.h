#pragma once
// The messages between fastgpu-agent and fastgpud (docs/API.md, "Agents"), as plain structs and
// their JSON. The daemon checks what agents send field by field (server/api/agent_request.h); the
// agent reads the daemon's answers with parse_register_reply() and parse_sync_reply().

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "runtime/confinement.h"
#include "runtime/gpu_inventory.h"
#include "runtime/task_cgroup.h"

namespace fastgpu {

/// Header that carries the join token on every agent request.
inline constexpr const char* kJoinTokenHeader = "X-FastGPU-Join-Token";
/// The header carrying an agent's own credential: a secret the agent process makes once and
/// sends with its registration and every sync. A registration binds the name to it; while the
/// agent heartbeats, a registration of its name with another credential is refused.
inline constexpr const char* kAgentCredentialHeader = "X-FastGPU-Agent-Credential";
/// Shortest agent credential accepted.
inline constexpr size_t kMinAgentCredentialBytes = 32;

/// Shortest join token accepted.
inline constexpr size_t kMinJoinTokenBytes = 16;

/// Reads the join token from the file at `path` (fastgpud's and the agent's
/// --join-token-file): its first line, trailing white space removed. kFailedPrecondition when
/// the file cannot be read or others may read it (read_secret_file), kInvalidArgument when the
/// token is shorter than kMinJoinTokenBytes.
Status read_join_token(const std::string& path, std::string* token);

/// POST /v1/agents/register: who the agent is and what it has.
struct RegisterRequest {
  std::string name;                // the host's name; a returning agent uses the same one
  std::vector<GpuDevice> devices;  // its inventory, as discover() gave it
  int64_t cpu_milli = 0;           // its CPU, milli-cores
  std::string credential;          // from kAgentCredentialHeader (not in the body)
};

/// The daemon's answer to a registration.
struct RegisterReply {
  int64_t agent_id = 0;         // stable for the name as long as the daemon runs
  int64_t epoch = 0;            // this session; a sync of an older session is refused (409)
  int64_t node_timeout_ms = 0;  // silence after which the daemon declares the node not ready
};

/// A task the daemon wants started, with everything needed to start it but the host's own
/// parts (log files, the vGPU library path).
struct Assignment {
  int64_t task = 0;
  std::vector<std::string> argv;
  std::vector<std::pair<std::string, std::string>> env;  // includes CUDA_VISIBLE_DEVICES, ...
  std::string cwd;
  bool preload_vgpu = false;    // preload the agent's libfastgpu-vgpu.so, when it has one
  std::optional<RunAs> run_as;  // the identity it runs as where the agent is root
  CgroupLimits limits;          // of its cgroup, where the agent is root
};

/// A task the daemon wants stopped: SIGTERM, then SIGKILL after grace_ms.
struct StopOrder {
  int64_t task = 0;
  int64_t grace_ms = 0;
};

/// How a task's process ended (or could not start). Its output travels as LogChunks, all of them
/// sent no later than the report.
struct TaskExitReport {
  int64_t task = 0;
  bool started = true;  // false: the process could not be started; `detail` says why
  int exit_code = -1;   // the code when it exited normally, else -1
  int signal = 0;       // the signal that killed it, else 0
  std::string detail;   // e.g. "killed by signal 9 (SIGKILL)" or the start error
  CgroupUsage usage;    // what its processes used (zeros where the agent has no cgroups)
};

/// The two output streams of a task.
enum class LogStream { kStdout = 0, kStderr = 1 };

/// "stdout" or "stderr".
const char* log_stream_name(LogStream stream);

/// Bytes [offset, offset + data.size()) of one output stream of a task's current attempt. An
/// agent may send a chunk again (when a sync got no answer); fastgpud keeps each byte once.
struct LogChunk {
  int64_t task = 0;
  LogStream stream = LogStream::kStdout;
  int64_t offset = 0;
  std::string data;  // raw bytes; base64 in JSON
};

/// Most bytes of output one chunk carries.
inline constexpr size_t kMaxLogChunkBytes = 256 * 1024;

/// POST /v1/agents/sync: the agent's heartbeat and report.
struct SyncRequest {
  int64_t agent_id = 0;
  int64_t epoch = 0;
  std::vector<int64_t> running;          // tasks it was given and has not reported ended
  std::vector<LogChunk> logs;            // output not yet acknowledged, before the ends
  std::vector<TaskExitReport> finished;  // ends not yet acknowledged by a sync answer
  int64_t wait_ms = 0;                   // how long the daemon may hold the answer (long-poll)
  std::string credential;                // from kAgentCredentialHeader
};

/// The daemon's answer to a sync: what to start and what to stop.
struct SyncReply {
  std::vector<Assignment> start;
  std::vector<StopOrder> stop;
};

nlohmann::json to_json(const RegisterRequest& request);
nlohmann::json to_json(const RegisterReply& reply);
nlohmann::json to_json(const SyncRequest& request);
nlohmann::json to_json(const SyncReply& reply);
nlohmann::json to_json(const TaskExitReport& report);
nlohmann::json to_json(const LogChunk& chunk);

/// The agent's readers of the daemon's answers. kInvalidArgument naming what is wrong.
Status parse_register_reply(const std::string& body, RegisterReply* out);
Status parse_sync_reply(const std::string& body, SyncReply* out);

}  // namespace fastgpu
