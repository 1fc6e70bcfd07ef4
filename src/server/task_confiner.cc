#include "server/task_confiner.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace fastgpu {
namespace {

int64_t memory_limit(const TaskSpec& spec, int64_t default_bytes) {
  return spec.shape.memory_mib > 0 ? int64_t{spec.shape.memory_mib} << 20 : default_bytes;
}

}  // namespace

TaskConfiner::TaskConfiner(Options options, TaskIdentities* identities)
    : options_(std::move(options)),
      identities_(identities),
      tree_(options_.enabled ? CgroupTree::detect() : CgroupTree()) {}

std::string TaskConfiner::group_of(TaskId id) const {
  return options_.group_base + "/task-" + std::to_string(id);
}

std::string TaskConfiner::scratch_of(TaskId id) const {
  return options_.scratch_root + "/task-" + std::to_string(id);
}

CgroupLimits TaskConfiner::limits_of(const TaskSpec& spec) const {
  CgroupLimits limits;
  limits.memory_bytes = memory_limit(spec, options_.default_memory_bytes);
  limits.cpu_milli = spec.shape.cpu_milli;
  limits.pids = options_.pids;
  return limits;
}

Status TaskConfiner::prepare(const TaskRecord& task, LaunchSpec* spec) const {
  std::optional<RunAs> who;
  if (options_.enabled) {
    RunAs identity;
    if (Status s = identities_->identity_of(task.spec.owner, &identity); !s.is_ok()) return s;
    who = identity;
  }
  const std::string scratch = scratch_of(task.id);
  if (::mkdir(scratch.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::io_error("cannot create the task's directory " + scratch + ": " +
                            std::strerror(errno));
  }
  if (who && ::chown(scratch.c_str(), who->uid, who->gid) != 0) {
    const int error = errno;
    ::rmdir(scratch.c_str());
    return Status::io_error("cannot give " + scratch + " to uid " + std::to_string(who->uid) +
                            ": " + std::strerror(error));
  }
  for (auto& [name, value] : spec->env) {
    if (name == "HOME" && value == "/") value = scratch;  // the base, not one the task gave
  }
  if (spec->cwd.empty()) spec->cwd = scratch;
  if (!options_.enabled) return Status::ok();
  TaskCgroup group(tree_, group_of(task.id));
  if (Status s = group.create(limits_of(task.spec)); !s.is_ok()) {
    std::filesystem::remove_all(scratch);
    return s;
  }
  spec->cgroup_procs = group.procs_files();
  spec->run_as = who;
  return Status::ok();
}

CgroupUsage TaskConfiner::finish(TaskId id) const {
  CgroupUsage usage;
  if (options_.enabled) {
    TaskCgroup group(tree_, group_of(id));
    group.kill();
    usage = group.usage();
    (void)group.remove();
  }
  std::error_code ec;
  std::filesystem::remove_all(scratch_of(id), ec);  // does not follow the task's symlinks
  return usage;
}

std::string TaskConfiner::describe() const {
  if (!options_.enabled) {
    return "not root: tasks run as this daemon's user, without cgroup limits, and can see "
           "each other";
  }
  return "tasks run as their users' own uids, in cgroups (" + tree_.describe() + ")";
}

std::string out_of_memory_reason(const TaskSpec& spec, int64_t default_memory_bytes) {
  return "out of memory: killed at its memory limit of " +
         std::to_string(memory_limit(spec, default_memory_bytes) >> 20) + " MiB";
}

}  // namespace fastgpu
