#include "server/loop/admission.h"

#include <utility>

#include "core/gpu_model.h"
#include "server/loop/vgpu_slice.h"

namespace fastgpu {

Admission::Admission(Rules rules, std::shared_ptr<const GpuPool> pool,
                     std::shared_ptr<const Accounts> accounts)
    : rules_(std::move(rules)),
      pool_(std::move(pool)),
      accounts_(std::move(accounts)),
      queued_(accounts_->projects.size(), 0) {}

Status Admission::admit(TaskSpec* spec) const {
  if (Status s = admit_shape(spec); !s.is_ok()) return s;
  if (Status s = admit_enforcement(spec); !s.is_ok()) return s;
  return admit_to_project(*spec);
}

Status Admission::admit_shape(TaskSpec* spec) const {
  const std::shared_ptr<const GpuPool> pool = this->pool();
  if (spec->vgpu != kNoVgpu) {
    if (Status s = admit_to_vgpu(spec, *pool); !s.is_ok()) return s;
  } else if (spec->milli_tflops > 0) {
    const std::vector<TaskShape> shapes = pool->candidate_shapes(spec->shape, spec->milli_tflops);
    if (shapes.empty()) {
      return Status::infeasible("no GPU of this host offers " + format_tflops(spec->milli_tflops) +
                                " TFLOPS");
    }
    spec->shape.gpu_milli = shapes.front().gpu_milli;
  }
  const bool fits_elsewhere = spec->milli_tflops == 0 && rules_.feasible_elsewhere &&
                              rules_.feasible_elsewhere(spec->shape);
  if (spec->vgpu == kNoVgpu && !pool->could_ever_fit(spec->shape, spec->milli_tflops) &&
      !fits_elsewhere) {
    return Status::infeasible("no GPU group of this host could ever hold the task (" +
                              std::to_string(spec->shape.num_gpu) + " GPU(s) of " +
                              std::to_string(spec->shape.gpu_milli) + " milli-GPU, " +
                              std::to_string(spec->shape.gpu_memory_mib) +
                              " MiB GPU memory each, " + std::to_string(spec->shape.cpu_milli) +
                              " milli-CPU)");
  }
  spec->synthetic.milli_tflops = spec->milli_tflops;
  if (std::string problem = validate_task_spec(*spec); !problem.empty()) {
    return Status::invalid_argument(problem);
  }
  return {};
}

Status Admission::admit_to_vgpu(TaskSpec* spec, const GpuPool& pool) const {
  VgpuRecord vgpu;
  {
    std::lock_guard lock(mu_);
    auto it = vgpus_.find(spec->vgpu);
    if (it == vgpus_.end()) {
      return Status::not_found("field \"vgpu\": vGPU " + std::to_string(spec->vgpu) +
                               " does not exist");
    }
    vgpu = it->second;
  }
  if (spec->shape.num_gpu == 0 && spec->milli_tflops == 0) {  // the whole vGPU
    spec->shape.num_gpu = 1;
    spec->shape.gpu_milli = vgpu.spec.gpu_milli;
    spec->milli_tflops = vgpu.spec.milli_tflops;
  }
  const GpuModelId model = pool.nodes()[vgpu.placement ? vgpu.placement->node : 0].model;
  if (spec->milli_tflops > 0) {
    const std::optional<MilliGpu> milli = milli_tflops_to_milli_gpu(spec->milli_tflops, model);
    if (!milli) {
      return Status::infeasible("the task asks for " + format_tflops(spec->milli_tflops) +
                                " TFLOPS, more than vGPU " + std::to_string(vgpu.id) +
                                "'s GPU offers");
    }
    spec->shape.gpu_milli = *milli;
  }
  if (std::string why = VgpuSlice(vgpu).infeasibility(*spec, model); !why.empty()) {
    return Status::infeasible(why);
  }
  return {};
}

Status Admission::admit_enforcement(TaskSpec* spec) const {
  const bool fractional = spec->shape.num_gpu > 0 && spec->shape.gpu_milli < kMilliPerGpu;
  if (!fractional || !spec->enforce || rules_.has_enforcement_library) return {};
  if (!rules_.allow_unenforced) {
    return Status::unavailable(
        "this fastgpud has no vGPU enforcement library (lib/libfastgpu-vgpu.so beside its bin/), "
        "so it cannot hold a task to a fractional slice; install the library, or start "
        "fastgpud with --allow-unenforced to run such tasks without it");
  }
  spec->enforce = false;  // what the API shows: this task is not held to its slice
  return {};
}

Status Admission::admit_to_project(const TaskSpec& spec) const {
  std::lock_guard lock(mu_);
  const int32_t project = accounts_->project_of(spec.owner);
  const ProjectRules& rules = accounts_->projects[project];
  if (rules.max_priority && spec.priority > *rules.max_priority) {
    return Status::permission_denied("field \"priority\": project '" + rules.name +
                                     "' allows priority at most " +
                                     std::to_string(*rules.max_priority) +
                                     " (max_priority), asked " + std::to_string(spec.priority));
  }
  if (rules.max_queued > 0 && queued_.at(project) >= size_t(rules.max_queued)) {
    return Status::limit_exceeded("project '" + rules.name + "' has " +
                                  std::to_string(rules.max_queued) +
                                  " tasks waiting, its max_queued: submit when some start");
  }
  return {};
}

std::shared_ptr<const GpuPool> Admission::pool() const {
  std::lock_guard lock(mu_);
  return pool_;
}

std::shared_ptr<const Accounts> Admission::accounts() const {
  std::lock_guard lock(mu_);
  return accounts_;
}

void Admission::publish_pool(std::shared_ptr<const GpuPool> pool) {
  std::lock_guard lock(mu_);
  pool_ = std::move(pool);
}

void Admission::publish_vgpu(const VgpuRecord& record) {
  std::lock_guard lock(mu_);
  if (record.state == VgpuState::kDeleted) {
    vgpus_.erase(record.id);
  } else {
    vgpus_[record.id] = record;
  }
}

void Admission::publish_accounts(std::shared_ptr<const Accounts> accounts) {
  std::lock_guard lock(mu_);
  accounts_ = std::move(accounts);
  queued_.assign(accounts_->projects.size(), 0);
}

void Admission::publish_queued(const QueueEngine& queue) {
  std::lock_guard lock(mu_);  // in place: this runs at every iteration of the loop
  for (size_t p = 0; p < queued_.size(); ++p) queued_[p] = queue.queued_in(static_cast<int32_t>(p));
}

}  // namespace fastgpu
