#pragma once
// Where this host mounts the cgroup controllers a task's limits need: cgroup v2 (one unified
// tree), v1 (a tree per controller, or per group of controllers), or v1 controllers beside a v2
// tree that only tracks processes.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fastgpu {

/// One mounted hierarchy.
struct CgroupHierarchy {
  std::string mount;                     // e.g. /sys/fs/cgroup or /sys/fs/cgroup/memory
  bool v2 = false;                       // the unified tree
  std::vector<std::string> controllers;  // v1: from its mount options; v2: cgroup.controllers
};

/// The cgroup hierarchies of this host, as /proc/self/mountinfo lists them. Immutable; thread-
/// safe to read.
class CgroupTree {
 public:
  /// Reads `mountinfo` (a mountinfo file's text) and, for a v2 tree, its cgroup.controllers.
  static CgroupTree from_mountinfo(std::string_view mountinfo);
  /// This host's tree (/proc/self/mountinfo).
  static CgroupTree detect();

  /// The hierarchy that holds `controller` ("memory", "cpu", "cpuacct", "pids"): the v2 tree
  /// when it offers it, else a v1 tree; nullptr when none does. On v2, "cpuacct" is "cpu".
  const CgroupHierarchy* find(std::string_view controller) const;
  /// The v2 tree, with or without controllers (it still tracks and kills processes); nullptr
  /// when none is mounted.
  const CgroupHierarchy* unified() const;
  /// The hierarchies a task's cgroup lives in: those of memory, cpu, cpuacct and pids, each
  /// once; the v2 tree alone when none of them is mounted (it still tracks and kills).
  std::vector<const CgroupHierarchy*> task_hierarchies() const;

  /// "memory, cpu, pids on cgroup v1; processes tracked on cgroup v2", for the start-up log.
  std::string describe() const;

 private:
  std::vector<CgroupHierarchy> hierarchies_;
};

}  // namespace fastgpu
