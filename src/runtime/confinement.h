#pragma once
// What a task's process does between fork and exec to confine itself: join its cgroups, drop
// to its own unprivileged identity, and forbid any later gain of privileges.

#include <sys/types.h>

#include <cstddef>
#include <optional>

namespace fastgpu {

/// A Unix identity a task runs as: the uid and the gid of its own group, with no supplementary
/// groups.
struct RunAs {
  uid_t uid = 0;
  gid_t gid = 0;
  bool operator==(const RunAs&) const = default;
};

/// A file or directory mounted over another in the child's private mount namespace.
struct BindMount {
  const char* source = nullptr;
  const char* target = nullptr;
};

/// Everything the child needs, prepared before the fork: after it, the child may only make
/// async-signal-safe calls, so nothing is allocated or looked up there.
struct ChildConfinement {
  const int* cgroup_procs_fds = nullptr;  // cgroup.procs files open for writing
  size_t cgroup_procs_count = 0;
  std::optional<RunAs> run_as;       // unset: keep the launcher's identity
  const BindMount* binds = nullptr;  // made in a private mount namespace, before run_as
  size_t bind_count = 0;
};

/// Called in the child (raw system calls only, safe after vfork or clone(CLONE_VM)): moves the
/// calling process into each cgroup of `confinement`. Returns 0, or the errno of the write that
/// failed.
int join_cgroups(const ChildConfinement& confinement);

/// Called in the child like join_cgroups: joins the cgroups, then (when there are binds) enters
/// a private mount namespace, whose mounts never reach the host's, and makes the binds, then
/// drops every supplementary
/// group and sets the gid and uid (real, effective and saved), then sets no_new_privs so that
/// no set-uid program can give the privileges back. Returns 0, or the errno of the step that
/// failed.
int enter_confinement(const ChildConfinement& confinement);

/// The process that calls it may change other processes' identities (root, or CAP_SETUID with
/// CAP_SETGID).
bool may_change_identity();

}  // namespace fastgpu
