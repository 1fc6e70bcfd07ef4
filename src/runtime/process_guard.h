#pragma once
// Starting a command under a guard process. fastgpu-agent's guard kills the task when the agent
// dies, so that an agent killed with SIGKILL leaves no task behind; fastgpud's outlives the
// daemon (a restarted daemon re-adopts the task) and writes how the command ended to a file.

#include <sys/types.h>

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
  // True: the guard kills its group when its owner dies. False: it outlives its owner.
  bool dies_with_owner = true;
  // Where the guard writes the command's exit record (exit_record.h) before it ends; -1: none.
  // The command itself never holds this descriptor.
  int exit_record_fd = -1;
};

/// Forks a guard from the calling process (no exec of its own) and returns its pid, or -1 with
/// errno set; it returns once the guard leads its group, so the group can be signalled at once.
/// The guard leads a new session and process group, with signals at their defaults
/// and none blocked, stdin from /dev/null, stdout and stderr on the given descriptors, no other
/// descriptor open but the exit record's. When it dies with its owner, it asks the kernel for
/// SIGUSR2 when the thread that forked it ends (PR_SET_PDEATHSIG) and then kills its whole group
/// with SIGKILL. It ignores SIGTERM, SIGINT and SIGHUP, which a stop sends to the group, so the
/// command gets its grace period. It runs the command as its child (vfork + execve), writes the
/// exit record when it has a descriptor for one, and ends as the command ended: the same exit
/// code, or killed by the same signal; 127 when the program cannot be run (the reason on stderr).
pid_t fork_guarded(const GuardedCommand& command);

}  // namespace fastgpu
