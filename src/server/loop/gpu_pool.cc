#include "server/loop/gpu_pool.h"

#include <algorithm>

namespace fastgpu {
namespace {

std::optional<GpuModelId> model_of(const GpuDevice& d) {
  if (d.model_id) return d.model_id;
  // A GPU known only by figures; NVML GPUs missing from the table have no TFLOPS figure, so
  // they get a nominal 1 milli-TFLOPS: such GPUs are asked for by share, not by TFLOPS.
  return register_custom_gpu_model(d.model, (d.memory_bytes + (1 << 20) - 1) >> 20,
                                   std::max<int64_t>(1, d.milli_tflops), d.sm_count);
}

}  // namespace

Status GpuPool::create(std::vector<GpuDevice> devices, MilliCpu host_cpu, GpuPool* out) {
  GpuPool pool;
  std::vector<NodeIndex> added;
  if (Status s = pool.append(kLocalHost, std::move(devices), host_cpu, &added); !s.is_ok()) {
    return s;
  }
  *out = std::move(pool);
  return Status::ok();
}

Status GpuPool::add_host(const std::string& host, std::vector<GpuDevice> devices, MilliCpu host_cpu,
                         std::vector<NodeIndex>* added) {
  if (host.empty()) return Status::invalid_argument("an agent host needs a name");
  GpuPool next = *this;  // all or nothing
  if (Status s = next.append(host, std::move(devices), host_cpu, added); !s.is_ok()) return s;
  *this = std::move(next);
  return Status::ok();
}

Status GpuPool::append(const std::string& host, std::vector<GpuDevice> devices, MilliCpu host_cpu,
                       std::vector<NodeIndex>* added) {
  if (devices.empty()) return Status::invalid_argument("the GPU inventory has no GPU");
  added->clear();
  const std::string prefix = host.empty() ? "" : host + "/";
  int groups = 0;
  for (size_t i = 0; i < devices.size(); ++i) {
    const std::optional<GpuModelId> model = model_of(devices[i]);
    if (!model) {
      return Status::invalid_argument("GPU " + std::to_string(i) + " (" + devices[i].model +
                                      "): cannot register its model");
    }
    const bool same_node = !added->empty() && nodes_.back().model == *model &&
                           nodes_.back().num_gpus < kMaxGpusPerNode;
    if (!same_node) {
      NodeSpec node;
      node.name = prefix + "gpu-group-" + std::to_string(groups++);
      node.cpu_milli = host_cpu;
      node.memory_mib = INT64_MAX / 4;  // host memory is not accounted
      node.model = *model;
      node.gpu_memory_mib = gpu_model_spec(*model).memory_mib;
      added->push_back(static_cast<NodeIndex>(nodes_.size()));
      nodes_.push_back(node);
      device_of_.emplace_back();
      host_of_.push_back(host);
      removed_.push_back(false);
    }
    nodes_.back().num_gpus += 1;
    device_of_.back().push_back(static_cast<int>(devices_.size()));
    node_of_device_.push_back(static_cast<NodeIndex>(nodes_.size() - 1));
    devices_.push_back(std::move(devices[i]));
  }
  return Status::ok();
}

Status GpuPool::remove_host(const std::string& host) {
  if (host.empty()) return Status::invalid_argument("the daemon's own GPUs cannot be removed");
  return mark_host(host, true) > 0 ? Status::ok() : Status::not_found("no GPUs of host " + host);
}

int GpuPool::mark_host(const std::string& host, bool removed) {
  int marked = 0;
  for (NodeIndex n = 0; n < nodes_.size(); ++n) {
    if (host_of_[n] != host) continue;
    removed_[n] = removed;
    ++marked;
  }
  return marked;
}

void GpuPool::restore_host(const std::string& host) { (void)mark_host(host, false); }

std::vector<int> GpuPool::device_indices(const Placement& placement) const {
  std::vector<int> out;
  if (placement.node >= nodes_.size()) return out;
  for (int slot = 0; slot < kMaxGpusPerNode; ++slot) {
    if (placement.gpus & (GpuMask{1} << slot)) out.push_back(device_index(placement.node, slot));
  }
  return out;
}

std::optional<TaskShape> GpuPool::shape_on_node(const TaskShape& shape, int64_t milli_tflops,
                                                NodeIndex node) const {
  const GpuModelId model = nodes_[node].model;
  TaskShape resolved = shape;
  if (milli_tflops > 0) {
    const std::optional<MilliGpu> milli = milli_tflops_to_milli_gpu(milli_tflops, model);
    if (!milli) return std::nullopt;
    resolved.gpu_milli = *milli;
    resolved.allowed_models = model_bit(model);
  }
  // A share that names no memory is held to its share of the GPU's memory (slice_of): that is
  // what it reserves too, so that no GPU's memory is promised twice.
  const bool fractional = resolved.num_gpu > 0 && resolved.gpu_milli < kMilliPerGpu;
  if (fractional && resolved.gpu_memory_mib == 0) {
    resolved.gpu_memory_mib = memory_of_share(model, resolved.gpu_milli);
    resolved.allowed_models = model_bit(model);
  }
  return resolved;
}

std::vector<TaskShape> GpuPool::candidate_shapes(const TaskShape& shape,
                                                 int64_t milli_tflops) const {
  std::vector<TaskShape> shapes;
  for (NodeIndex n = 0; n < nodes_.size(); ++n) {
    if (removed_[n]) continue;
    std::optional<TaskShape> s = shape_on_node(shape, milli_tflops, n);
    if (s && std::find(shapes.begin(), shapes.end(), *s) == shapes.end()) shapes.push_back(*s);
  }
  return shapes;
}

bool GpuPool::could_ever_fit(const TaskShape& shape, int64_t milli_tflops) const {
  for (NodeIndex n = 0; n < nodes_.size(); ++n) {
    if (removed_[n]) continue;
    std::optional<TaskShape> s = shape_on_node(shape, milli_tflops, n);
    if (s && fits_when_empty(nodes_[n], *s)) return true;
  }
  return false;
}

}  // namespace fastgpu
