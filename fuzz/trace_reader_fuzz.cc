// libFuzzer target for the openb trace reader: every input is given to parse_node_list() and to
// parse_task_list(). On success the parsed rows must satisfy the resource model's invariants;
// on failure the output must be left untouched and the error must say something.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/gpu_model.h"
#include "core/node.h"
#include "core/task.h"
#include "fuzz_check.h"
#include "sim/trace_reader.h"

namespace {

using fastgpu::NodeSpec;
using fastgpu::Status;
using fastgpu::Task;

void check_nodes(std::string_view text) {
  std::vector<NodeSpec> nodes(1);
  nodes[0].name = "sentinel";
  const Status s = fastgpu::parse_node_list(text, "fuzz-nodes", &nodes);
  if (!s.is_ok()) {
    FUZZ_CHECK(!s.message().empty());
    FUZZ_CHECK(nodes.size() == 1 && nodes[0].name == "sentinel");
    return;
  }
  std::unordered_set<std::string> names;
  for (const NodeSpec& n : nodes) {
    FUZZ_CHECK(!n.name.empty());
    FUZZ_CHECK(names.insert(n.name).second);
    FUZZ_CHECK(n.num_gpus >= 0 && n.num_gpus <= fastgpu::kMaxGpusPerNode);
    FUZZ_CHECK(n.cpu_milli >= 0 && n.memory_mib >= 0);
    if (n.num_gpus > 0) {
      FUZZ_CHECK(n.model < fastgpu::gpu_model_specs().size());
      FUZZ_CHECK(n.gpu_memory_mib == fastgpu::gpu_model_spec(n.model).memory_mib);
    }
    const fastgpu::NodeState empty = fastgpu::empty_node_state(n);
    FUZZ_CHECK(empty.free_gpu_milli_total() == int64_t{n.num_gpus} * fastgpu::kMilliPerGpu);
  }
}

void check_tasks(std::string_view text) {
  std::vector<Task> tasks(1);
  tasks[0].name = "sentinel";
  const Status s = fastgpu::parse_task_list(text, "fuzz-pods", &tasks);
  if (!s.is_ok()) {
    FUZZ_CHECK(!s.message().empty());
    FUZZ_CHECK(tasks.size() == 1 && tasks[0].name == "sentinel");
    return;
  }
  std::unordered_set<std::string> names;
  for (const Task& t : tasks) {
    FUZZ_CHECK(!t.name.empty());
    FUZZ_CHECK(names.insert(t.name).second);
    const std::string why = fastgpu::validate_task_shape(t.shape);
    if (!why.empty()) std::fprintf(stderr, "task %s: %s\n", t.name.c_str(), why.c_str());
    FUZZ_CHECK(why.empty());
    const bool no_times = t.creation_time == -1 && t.deletion_time == -1;
    FUZZ_CHECK(no_times || (t.creation_time >= 0 && t.deletion_time >= t.creation_time));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_nodes(text);
  check_tasks(text);
  return 0;
}
