#pragma once
// The tables `fastgpu` prints for people: tasks and GPUs (shared by ps, gpus and top).

#include <nlohmann/json.hpp>

#include "cli/client_flags.h"

namespace fastgpu::cli {

/// Prints task records as a table, or as JSON when the flags ask for it.
void print_tasks(const ClientFlags& flags, const nlohmann::json& tasks);

/// Prints the `gpus` array of GET /v1/gpus as a table, like gpustat: model, memory used and
/// total, utilization, allocated share and vGPUs.
void print_gpus(const nlohmann::json& gpus);

/// Prints the `nodes` array of GET /v1/nodes as a table: name, host (agents), ready, last
/// heartbeat age, model, GPUs allocated of total.
void print_nodes(const nlohmann::json& nodes);

}  // namespace fastgpu::cli
