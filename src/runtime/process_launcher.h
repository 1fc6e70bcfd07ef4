#pragma once
// Starting a task's command as a child process in its own process group.

#include <sys/types.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "runtime/confinement.h"
#include "runtime/process_identity.h"

namespace fastgpu {

/// What to run and how. The child's environment is `env` alone, unless inherit_environment.
struct LaunchSpec {
  /// argv[0] is the program: a path when it contains '/' (relative to `cwd`), else looked up in
  /// the PATH of the child's environment.
  std::vector<std::string> argv;
  /// The child's variables, e.g. PATH, HOME, CUDA_VISIBLE_DEVICES, FASTGPU_TASK_ID; a later
  /// entry of a name replaces an earlier one.
  std::vector<std::pair<std::string, std::string>> env;
  /// Start from the launcher's own environment, `env` added to it: for the operator's own
  /// programs (a provider's scripts), never for a task.
  bool inherit_environment = false;
  /// Working directory; empty keeps the daemon's.
  std::string cwd;
  /// Files stdout and stderr are appended to, created with mode 0600 when absent. Empty means
  /// /dev/null. They may be the same file.
  std::string stdout_path;
  std::string stderr_path;
  /// Descriptors stdout and stderr go to instead of the files (e.g. the write ends of pipes the
  /// caller reads); -1: the path above. launch_process neither closes nor keeps them.
  int stdout_fd = -1;
  int stderr_fd = -1;
  /// Library put first in the child's LD_PRELOAD (e.g. libfastgpu-vgpu.so); empty for none.
  std::string ld_preload;
  /// Run the command under a guard (process_guard.h) that kills its whole process group when
  /// the thread that started it ends, even by SIGKILL of its process. The process started (and
  /// its pid) is then the guard, which ends as the command does; a program that cannot be run
  /// shows as exit code 127 rather than as an error of launch_process.
  bool guarded = false;
  /// Run the command under a guard (process_guard.h, spawn_recording_guard) that outlives the
  /// launcher and writes how the command ended to this file (exit_record.h; created or emptied,
  /// mode 0600), so that the end is known even when nobody waited for it. The process started
  /// is then the guard, which runs as `task_guard` (find_task_guard()), as with `guarded`.
  /// Empty: no guard for this reason. Not with `guarded`.
  std::string exit_record_path;
  std::string task_guard;
  /// Run as this identity (no supplementary groups, no_new_privs); unset: as the launcher.
  std::optional<RunAs> run_as;
  /// The cgroup.procs files of the cgroups the command joins before it runs (TaskCgroup).
  std::vector<std::string> cgroup_procs;
  /// (source, target): bind-mounted in a private mount namespace of the command (TaskSlices).
  std::vector<std::pair<std::string, std::string>> binds;

  /// True when the command is confined: run_as, cgroup_procs or binds is set.
  bool confined() const { return run_as.has_value() || !cgroup_procs.empty() || !binds.empty(); }
};

/// A started process. It leads its own session and process group: pgid == identity.pid.
struct LaunchedProcess {
  ProcessIdentity identity;
  std::chrono::system_clock::time_point started_at;
};

/// Starts `spec` as a child process (posix_spawn with a new session, all signals at their
/// defaults and unblocked, stdin from /dev/null, no descriptor of the daemon but 0-2; a confined
/// one with spawn_confined, which joins its cgroups and changes its identity first). The child
/// must be reaped by waitpid, normally through ProcessSupervisor.
/// Errors, which start nothing: kInvalidArgument for a malformed spec (empty argv, a NUL in a
/// string, a bad variable name); kNotFound naming the program when it is not found, or the
/// working directory when it does not exist; kIoError naming the file that cannot be opened
/// or the reason exec failed. A launch with run_as makes no such check as the launcher: its
/// child looks the program and the directory up as its own identity, and their errors come
/// back as kIoError with the child's errno ("No such file or directory", "Permission denied").
/// Thread-safe, provided no thread changes the daemon's environment (setenv) meanwhile.
Status launch_process(const LaunchSpec& spec, LaunchedProcess* out);

}  // namespace fastgpu
