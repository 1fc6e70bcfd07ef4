#pragma once
// Readers for the Alibaba "openb" trace format (node lists and pod lists).

#include <string>
#include <string_view>
#include <vector>

#include "core/node.h"
#include "core/status.h"
#include "core/task.h"
#include "core/text_file.h"  // read_file()

namespace fastgpu {

/// Parses a node list: header `sn,cpu_milli,memory_mib,gpu,model`, one node a row.
/// On a malformed row returns an error naming `source`, the line and the field, and leaves
/// `out` untouched; never skips a row silently.
Status parse_node_list(std::string_view text, std::string_view source, std::vector<NodeSpec>* out);

/// Parses a pod list: the 11-column form
/// `name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,
/// deletion_time,scheduled_time` or the 5-column `multigpu*` form (no model constraint, no
/// times: creation and deletion are -1). Same error contract as parse_node_list().
Status parse_task_list(std::string_view text, std::string_view source, std::vector<Task>* out);

/// read_file() then parse_node_list() with the path as source.
Status read_node_list(const std::string& path, std::vector<NodeSpec>* out);

/// read_file() then parse_task_list() with the path as source.
Status read_task_list(const std::string& path, std::vector<Task>* out);

/// The folder of the public trace: $FASTGPU_DATA when set, else
/// ../shared/data/alibaba-gpu-v2023 (relative to the working directory).
std::string default_trace_dir();

/// read_node_list() then read_task_list(); the first error wins.
Status read_trace(const std::string& nodes_path, const std::string& pods_path,
                  std::vector<NodeSpec>* nodes, std::vector<Task>* tasks);

}  // namespace fastgpu
