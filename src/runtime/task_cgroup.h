#pragma once
// A task's own cgroup: its memory, CPU and process limits, the unit in which all its processes
// are stopped (setsid and double-fork escapes included), and what it used.

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "runtime/cgroup_tree.h"

namespace fastgpu {

/// Limits of a task's cgroup; 0 means none.
struct CgroupLimits {
  int64_t memory_bytes = 0;  // memory (and, where swap is accounted, memory + swap)
  int64_t cpu_milli = 0;     // CPU time per wall time, in thousandths of a core
  int64_t pids = 0;          // processes and threads at once
};

/// What a task's processes used, read before its cgroup is removed.
struct CgroupUsage {
  int64_t cpu_ns = 0;             // CPU time of all its processes
  int64_t peak_memory_bytes = 0;  // highest memory use; 0 where the kernel does not say
  int64_t oom_kills = 0;          // processes the kernel killed for its memory limit
};

/// The cgroup `group` (a relative path, e.g. "fastgpud-1f2e/task-7") in every hierarchy a task
/// uses (CgroupTree::task_hierarchies). Holds paths only, so it can be rebuilt from its name
/// after a restart; not thread-safe for one group, independent across groups.
class TaskCgroup {
 public:
  TaskCgroup(const CgroupTree& tree, std::string group);

  /// Creates the group's directories (and the controllers' delegation above them on v2) and
  /// writes `limits`. kFailedPrecondition when the tree lacks a hierarchy it needs; kIoError naming
  /// the file that cannot be written. On error nothing of the group is left.
  Status create(const CgroupLimits& limits);
  /// The cgroup.procs files a process writes itself into to join the group (those create()
  /// made: a v1 cpu tree of its own only when there is a CPU limit).
  std::vector<std::string> procs_files() const;
  /// SIGKILLs every process in the group and waits (at most `wait_ms`) until none is left.
  /// True when it is empty.
  bool kill(int wait_ms = 1000) const;
  /// True when no process is left in the group (or it does not exist).
  bool empty() const;
  /// What its processes used so far.
  CgroupUsage usage() const;
  /// Removes the directories, which must hold no process any more (after kill()). Errors name
  /// the directory.
  Status remove() const;

 private:
  struct Dir {
    std::string path;
    const CgroupHierarchy* hierarchy;
  };
  Status write_limits(const CgroupLimits& limits) const;
  std::vector<pid_t> pids() const;
  const Dir* dir_of(std::string_view controller) const;

  // True when a group in `d`'s hierarchy serves `limits` or the usage figures.
  bool needed(const Dir& d, const CgroupLimits& limits) const;

  const CgroupTree& tree_;
  std::string group_;
  std::vector<Dir> dirs_;
  std::vector<const Dir*> made_;  // by create()
};

}  // namespace fastgpu
