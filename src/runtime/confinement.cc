#include "runtime/confinement.h"

#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace fastgpu {

int join_cgroups(const ChildConfinement& confinement) {
  for (size_t i = 0; i < confinement.cgroup_procs_count; ++i) {
    // "0" is the writing process itself, on cgroup v1 and v2 alike.
    if (::write(confinement.cgroup_procs_fds[i], "0", 1) != 1) return errno;
  }
  return 0;
}

int enter_confinement(const ChildConfinement& confinement) {
  if (int error = join_cgroups(confinement); error != 0) return error;
  if (confinement.bind_count > 0) {
    if (::syscall(SYS_unshare, CLONE_NEWNS) != 0) return errno;
    if (::syscall(SYS_mount, "none", "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) return errno;
    for (size_t i = 0; i < confinement.bind_count; ++i) {
      const BindMount& bind = confinement.binds[i];
      if (::syscall(SYS_mount, bind.source, bind.target, nullptr, MS_BIND, nullptr) != 0) {
        return errno;
      }
    }
  }
  if (const std::optional<RunAs>& who = confinement.run_as) {
    // Raw system calls: glibc's wrappers would signal every thread of the launcher's memory,
    // which a clone(CLONE_VM) child shares, to change their identity too.
    if (::syscall(SYS_setgroups, 0, nullptr) != 0) return errno;
    if (::syscall(SYS_setresgid, who->gid, who->gid, who->gid) != 0) return errno;
    if (::syscall(SYS_setresuid, who->uid, who->uid, who->uid) != 0) return errno;
  }
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
  return 0;
}

bool may_change_identity() { return ::geteuid() == 0; }

}  // namespace fastgpu
