#pragma once
// Starting a command under a guard process. fastgpu-agent's guard kills the task when the agent
// dies, so that an agent killed with SIGKILL leaves no task behind; fastgpud's outlives the
// daemon (a restarted daemon re-adopts the task) and writes how the command ended to a file.

#include <sys/types.h>

#include <string>

#include "runtime/confinement.h"

namespace fastgpu {

/// Everything the guard needs, prepared before the fork: after it, the child may only make
/// async-signal-safe calls, so nothing is allocated or looked up there.
struct GuardedCommand {
  char* const* programs = nullptr;  // paths to try in turn (exec_first), null-terminated
  char* const* argv = nullptr;      // null-terminated
  char* const* envp = nullptr;      // null-terminated
  const char* cwd = nullptr;        // null: keep the caller's
  int stdout_fd = -1;               // become the command's stdout and stderr
  int stderr_fd = -1;
  // The guard joins its cgroups; the command alone takes its identity. Null: none.
  const ChildConfinement* confinement = nullptr;
  // The recording guard's exit record file (exit_record.h); -1 for fork_guarded. The command
  // itself never holds this descriptor.
  int exit_record_fd = -1;
};

/// Name of the program the recording guard runs as (installed beside fastgpud): given a pid of
/// its own child and the exit record on descriptor 3, it waits for the child, writes the record
/// and ends as the child ended.
inline constexpr const char* kTaskGuardProgram = "fastgpu-task-guard";

/// kTaskGuardProgram's path beside the running program's own binary (/proc/self/exe), or ""
/// when it is not there or not executable.
std::string find_task_guard();

/// Forks a guard from the calling process (no exec of its own) and returns its pid, or -1 with
/// errno set; it returns once the guard leads its group, so the group can be signalled at once.
/// The guard leads a new session and process group, with signals at their defaults
/// and none blocked, stdin from /dev/null, stdout and stderr on the given descriptors, no other
/// descriptor open. It asks the kernel for SIGUSR2 when the thread that forked it ends
/// (PR_SET_PDEATHSIG) and then kills its whole group with SIGKILL; it ignores SIGTERM, SIGINT
/// and SIGHUP, which a stop sends to the group, so the command gets its grace period. It runs
/// the command as its child (vfork + execve) and ends as the command ended: the same exit code,
/// or killed by the same signal; 127 when the program cannot be run (the reason on stderr).
pid_t fork_guarded(const GuardedCommand& command);

/// fastgpud's guard: like fork_guarded's, but it outlives its starter and records the end. It is
/// started with clone(CLONE_VM | CLONE_VFORK), as posix_spawn starts a program, so the launcher's
/// memory is never shared copy-on-write with a long-lived child; it sets up the group, streams
/// and cgroups, starts the command (clone + execve), and then execs `guard_program`
/// (find_task_guard()), which waits for the command, writes its exit record to
/// command.exit_record_fd and ends as the command ended. Returns the guard's pid once it has
/// exec'd the guard program, or -1 (the guard reaped, the command killed) with the errno of
/// the failed step in *command_error when the command could not be run (not found, its
/// confinement or directory refused), else in *error.
pid_t spawn_recording_guard(const GuardedCommand& command, const char* guard_program, int* error,
                            int* command_error);

}  // namespace fastgpu
