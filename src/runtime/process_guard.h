#pragma once
// Starting a command under a guard that kills it when its owner dies: what fastgpu-agent runs
// each task under, so that an agent killed with SIGKILL leaves no task behind.

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
};

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

}  // namespace fastgpu
