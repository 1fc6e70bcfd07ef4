#pragma once
// Starting a program the way posix_spawn does, plus the confinement steps posix_spawn cannot
// take (joining cgroups, changing identity) in the child before its exec.

#include <sys/types.h>

#include "runtime/confinement.h"

namespace fastgpu {

/// What to run, prepared before the spawn (the child allocates nothing).
struct SpawnRequest {
  char* const* programs = nullptr;  // paths to try in turn (exec_first), null-terminated
  char* const* argv = nullptr;      // null-terminated
  char* const* envp = nullptr;      // null-terminated
  const char* cwd = nullptr;        // null: keep the launcher's; entered as the new identity
  int stdout_fd = -1;               // become the child's stdout and stderr
  int stderr_fd = -1;
  ChildConfinement confinement;
};

/// Execs the first of `programs` (null-terminated) that the calling process may run, trying
/// the next after ENOENT, ENOTDIR or EACCES, as execvp tries PATH. Async-signal-safe. Returns
/// only on failure: EACCES when a program was found but not runnable, else the last errno.
int exec_first(char* const* programs, char* const* argv, char* const* envp);

/// Starts `request` with clone(CLONE_VM | CLONE_VFORK), as glibc's posix_spawn does: the child
/// leads a new session and process group, has every signal at its default and none blocked,
/// stdin from /dev/null, stdout and stderr on the given descriptors and no other descriptor; it
/// enters its confinement, then its working directory, then execs. Returns the child's pid once
/// it has exec'd, or -1 with *error set to the errno of the step that failed (the child is then
/// reaped). Thread-safe.
pid_t spawn_confined(const SpawnRequest& request, int* error);

}  // namespace fastgpu
