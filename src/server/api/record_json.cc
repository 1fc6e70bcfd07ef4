#include "server/api/record_json.h"

namespace fastgpu {
namespace {

nlohmann::json seconds_or_null(int64_t micros) {
  if (micros == 0) return nullptr;
  return static_cast<double>(micros) / 1e6;
}

nlohmann::json ms_as_seconds_or_null(int64_t ms) {
  if (ms == 0) return nullptr;
  return static_cast<double>(ms) / 1e3;
}

nlohmann::json gpu_indices(const std::optional<Placement>& placement, const GpuPool& pool) {
  nlohmann::json out = nlohmann::json::array();
  if (!placement) return out;
  for (int index : pool.device_indices(*placement)) out.push_back(index);
  return out;
}

// The UUIDs of a placement's GPUs, in slot order.
nlohmann::json gpu_uuids(const std::optional<Placement>& placement, const GpuPool& pool) {
  nlohmann::json out = nlohmann::json::array();
  if (!placement) return out;
  for (int index : pool.device_indices(*placement)) out.push_back(pool.devices()[index].uuid);
  return out;
}

// A host's name in JSON: null for this host's (the daemon's own) GPUs.
nlohmann::json host_name(const std::string& host) {
  return host.empty() ? nlohmann::json(nullptr) : nlohmann::json(host);
}

// The agent host a placement is on; null for this host's GPUs and for no placement.
nlohmann::json host_of(const std::optional<Placement>& placement, const GpuPool& pool) {
  if (!placement || placement->node >= pool.nodes().size()) return nullptr;
  return host_name(pool.host_of(placement->node));
}

nlohmann::json resources_to_json(const TaskSpec& spec) {
  const TaskShape& s = spec.shape;
  return {{"gpus", s.num_gpu},
          {"gpu", static_cast<double>(s.gpu_milli) / kMilliPerGpu},
          {"tflops", spec.milli_tflops > 0 ? nlohmann::json(spec.milli_tflops / 1000.0) : nullptr},
          {"memory_bytes", s.gpu_memory_mib << 20},
          {"cpu", static_cast<double>(s.cpu_milli) / 1000},
          {"host_memory_bytes", int64_t{s.memory_mib} << 20}};
}

}  // namespace

nlohmann::json task_to_json(const TaskRecord& task, const GpuPool& pool) {
  const TaskSpec& spec = task.spec;
  const bool synthetic = spec.kind == WorkKind::kSynthetic;
  nlohmann::json env = nlohmann::json::object();
  for (const EnvVar& v : spec.command.env) env[v.name] = v.value;
  return {
      {"id", task.id},
      {"name", spec.name},
      {"owner", spec.owner},
      {"state", task_state_name(task.state)},
      {"priority", spec.priority},
      {"vgpu", spec.vgpu == kNoVgpu ? nlohmann::json(nullptr) : nlohmann::json(spec.vgpu)},
      {"kind", synthetic ? "synthetic" : "command"},
      {"argv", spec.command.argv},
      {"env", env},
      {"cwd", spec.command.cwd},
      {"seconds", synthetic ? nlohmann::json(spec.synthetic.duration_ms / 1000.0) : nullptr},
      {"resources", resources_to_json(spec)},
      {"enforce", spec.enforce},
      {"preemptible", spec.preemptible},
      {"max_retries", spec.max_retries},
      {"retries_used", task.retries_used},
      {"attempts", task.attempts},
      {"timeout", spec.timeout_ms / 1000.0},
      {"exit_code", task.exit_code ? nlohmann::json(*task.exit_code) : nullptr},
      {"failure_reason", task.failure_reason},
      {"gpu_indices", gpu_indices(task.placement, pool)},
      {"gpu_uuids", gpu_uuids(task.placement, pool)},
      {"host", host_of(task.placement, pool)},
      {"pid", task.pid},
      {"created_at", seconds_or_null(task.created_at_us)},
      {"started_at", seconds_or_null(task.started_at_us)},
      {"ended_at", seconds_or_null(task.ended_at_us)},
      {"usage",
       {{"cpu_seconds", static_cast<double>(task.cpu_ns) / 1e9},
        {"peak_memory_bytes", task.peak_memory_bytes}}},
  };
}

nlohmann::json vgpu_to_json(const VgpuRecord& vgpu, const GpuPool& pool) {
  const VgpuSpec& spec = vgpu.spec;
  nlohmann::json gpu_index = nullptr;
  nlohmann::json gpu_uuid = nullptr;
  MilliGpu share = spec.gpu_milli;
  MemoryMib memory = spec.memory_mib;  // as named, or once placed what it is held to
  if (vgpu.placement && vgpu.placement->node < pool.nodes().size()) {
    const int index = pool.device_indices(*vgpu.placement).front();
    gpu_index = index;
    gpu_uuid = pool.devices()[index].uuid;
    const GpuModelId model = pool.nodes()[vgpu.placement->node].model;
    if (spec.milli_tflops > 0)
      share = milli_tflops_to_milli_gpu(spec.milli_tflops, model).value_or(0);
    if (memory == 0) memory = memory_of_share(model, share);
  }
  return {{"id", vgpu.id},
          {"owner", spec.owner},
          {"state", vgpu_state_name(vgpu.state)},
          {"tflops", spec.milli_tflops > 0 ? nlohmann::json(spec.milli_tflops / 1000.0) : nullptr},
          {"gpu", static_cast<double>(share) / kMilliPerGpu},
          {"memory_bytes", memory << 20},
          {"host", host_of(vgpu.placement, pool)},
          {"gpu_index", gpu_index},
          {"gpu_uuid", gpu_uuid},
          {"lease_seconds", ms_as_seconds_or_null(spec.lease_ms)},
          {"ttl_seconds", ms_as_seconds_or_null(spec.ttl_ms)},
          {"idle_timeout_seconds", ms_as_seconds_or_null(spec.idle_timeout_ms)},
          {"created_at", seconds_or_null(vgpu.created_at_us)},
          {"deleted_at", seconds_or_null(vgpu.deleted_at_us)},
          {"deleted_reason", vgpu.deleted_reason.empty() ? nlohmann::json(nullptr)
                                                         : nlohmann::json(vgpu.deleted_reason)}};
}

nlohmann::json nodes_to_json(const GpuPool& pool, const PoolSnapshot& snapshot) {
  nlohmann::json nodes = nlohmann::json::array();
  for (NodeIndex n = 0; n < pool.nodes().size(); ++n) {
    if (pool.removed(n)) continue;
    const NodeSpec& spec = pool.nodes()[n];
    nlohmann::json gpus = nlohmann::json::array();
    MilliGpu allocated = 0;
    for (int slot = 0; slot < spec.num_gpus; ++slot) {
      const int index = pool.device_index(n, slot);
      gpus.push_back(index);
      if (static_cast<size_t>(index) < snapshot.allocated_milli.size()) {
        allocated += snapshot.allocated_milli[index];
      }
    }
    const MilliCpu free_cpu = n < snapshot.free_cpu_milli.size() ? snapshot.free_cpu_milli[n] : 0;
    const NodeHealth health =
        n < snapshot.node_health.size() ? snapshot.node_health[n] : NodeHealth{};
    nodes.push_back({{"name", spec.name},
                     {"host", host_of(Placement{n, 0}, pool)},
                     {"ready", health.ready},
                     {"last_heartbeat", seconds_or_null(health.last_heartbeat_us)},
                     {"model", gpu_model_spec(spec.model).name},
                     {"gpu_indices", gpus},
                     {"allocated_gpus", allocated / 1000.0},
                     {"cpu", spec.cpu_milli / 1000.0},
                     {"cpu_free", free_cpu / 1000.0}});
  }
  return {{"nodes", nodes}};
}

nlohmann::json gpus_to_json(const GpuPool& pool, const PoolSnapshot& snapshot,
                            const std::vector<GpuUsage>& usage, std::string_view source) {
  nlohmann::json gpus = nlohmann::json::array();
  for (size_t i = 0; i < pool.devices().size(); ++i) {
    const NodeIndex node = pool.node_of_device(i);
    if (pool.removed(node)) continue;
    const GpuDevice& d = pool.devices()[i];
    const MilliGpu allocated =
        i < snapshot.allocated_milli.size() ? snapshot.allocated_milli[i] : 0;
    // A simulated GPU is as busy as its allocation says; a real one as NVML last measured.
    const bool sampled = i < usage.size() && !d.simulated;
    const int32_t utilization =
        d.simulated ? (allocated + 9) / 10 : (sampled ? usage[i].utilization_percent : 0);
    const int64_t memory_used = sampled ? usage[i].memory_used_bytes : d.memory_used_bytes;
    gpus.push_back(
        {{"host", host_name(pool.host_of(node))},
         {"index", d.index},
         {"pool_index", i},
         {"uuid", d.uuid},
         {"model", d.model},
         {"simulated", d.simulated},
         {"tflops", d.milli_tflops / 1000.0},
         {"memory_bytes", d.memory_bytes},
         {"memory_used_bytes", memory_used},
         {"utilization_percent", utilization},
         {"sm_count", d.sm_count},
         {"allocated_milli", allocated},
         {"vgpus", i < snapshot.vgpus.size() ? snapshot.vgpus[i] : std::vector<VgpuId>{}}});
  }
  return {{"source", source}, {"gpus", gpus}};
}

}  // namespace fastgpu
