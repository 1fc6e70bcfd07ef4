#include "server/api/metrics_page.h"

namespace fastgpu {
namespace {

void gauge(std::string* out, const std::string& name, const std::string& help, uint64_t value) {
  *out += "# HELP " + name + " " + help + "\n# TYPE " + name + " gauge\n" + name + " " +
          std::to_string(value) + "\n";
}

// `text` as a label value: backslash, double quote and newline escaped (Prometheus text format).
std::string label_value(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '"') out += '\\';
    out += c == '\n' ? std::string("\\n") : std::string(1, c);
  }
  return out;
}

}  // namespace

std::string render_metrics(const Scheduler& scheduler, const BatchWriter& writer) {
  const PoolSnapshot snap = scheduler.snapshot();
  std::string out;
  gauge(&out, "fastgpu_queue_length", "Tasks pending.", snap.queued);
  gauge(&out, "fastgpu_running_tasks", "Tasks running.", snap.running);
  out +=
      "# HELP fastgpu_gpu_allocated_milli Milli-GPU allocated per GPU.\n"
      "# TYPE fastgpu_gpu_allocated_milli gauge\n";
  const std::shared_ptr<const GpuPool> pool = scheduler.pool();
  const std::vector<GpuDevice>& devices = pool->devices();
  for (size_t i = 0; i < devices.size() && i < snap.allocated_milli.size(); ++i) {
    const NodeIndex node = pool->node_of_device(i);
    if (pool->removed(node)) continue;
    out += "fastgpu_gpu_allocated_milli{gpu=\"" + std::to_string(i) + "\",host=\"" +
           label_value(pool->host_of(node)) + "\",index=\"" + std::to_string(devices[i].index) +
           "\",uuid=\"" + label_value(devices[i].uuid) + "\"} " +
           std::to_string(snap.allocated_milli[i]) + "\n";
  }
  out +=
      "# HELP fastgpu_project_gpus_held GPUs held by a project's tasks and vGPUs.\n"
      "# TYPE fastgpu_project_gpus_held gauge\n";
  const std::vector<std::string>& projects = snap.project_names;
  for (size_t p = 0; p < projects.size() && p < snap.project_gpu_milli.size(); ++p) {
    out += "fastgpu_project_gpus_held{project=\"" + projects[p] + "\"} " +
           std::to_string(static_cast<double>(snap.project_gpu_milli[p]) / 1000) + "\n";
  }
  out +=
      "# HELP fastgpu_project_tasks_waiting Tasks of a project waiting to start.\n"
      "# TYPE fastgpu_project_tasks_waiting gauge\n";
  for (size_t p = 0; p < projects.size() && p < snap.project_queued.size(); ++p) {
    out += "fastgpu_project_tasks_waiting{project=\"" + projects[p] + "\"} " +
           std::to_string(snap.project_queued[p]) + "\n";
  }
  out += scheduler.usage_meter().render();
  out += scheduler.schedule_latency().render("fastgpu_schedule_latency_seconds",
                                             "Submit to running latency.");
  const BatchWriter::Stats stats = writer.stats();
  out +=
      "# HELP fastgpu_store_commits_total Store transactions committed.\n"
      "# TYPE fastgpu_store_commits_total counter\nfastgpu_store_commits_total " +
      std::to_string(stats.commits) +
      "\n# HELP fastgpu_store_requests_total Writes committed.\n"
      "# TYPE fastgpu_store_requests_total counter\nfastgpu_store_requests_total " +
      std::to_string(stats.requests) + "\n";
  return out;
}

}  // namespace fastgpu
