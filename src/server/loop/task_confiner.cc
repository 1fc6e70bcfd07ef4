#include "server/loop/task_confiner.h"

namespace fastgpu {

TaskConfiner::TaskConfiner(TaskSandbox::Options sandbox, Limits limits, TaskIdentities* identities)
    : sandbox_(std::move(sandbox)), limits_(limits), identities_(identities) {}

Status TaskConfiner::identity(const TaskRecord& task, RunAs* out) const {
  return identities_->identity_of(task.spec.owner, out);
}

CgroupLimits TaskConfiner::limits(const TaskSpec& spec) const {
  CgroupLimits limits;
  limits.memory_bytes = spec.shape.memory_mib > 0 ? int64_t{spec.shape.memory_mib} << 20
                                                  : limits_.default_memory_bytes;
  limits.cpu_milli = spec.shape.cpu_milli;
  limits.pids = limits_.pids;
  return limits;
}

Status TaskConfiner::prepare(const TaskRecord& task, LaunchSpec* spec) const {
  std::optional<RunAs> who;
  if (sandbox_.enabled()) {
    RunAs identity;
    if (Status s = this->identity(task, &identity); !s.is_ok()) return s;
    who = identity;
  }
  return sandbox_.prepare(task.id, who, limits(task.spec), spec);
}

std::string TaskConfiner::out_of_memory_reason(const TaskSpec& spec) const {
  return "out of memory: killed at its memory limit of " +
         std::to_string(limits(spec).memory_bytes >> 20) + " MiB";
}

}  // namespace fastgpu
