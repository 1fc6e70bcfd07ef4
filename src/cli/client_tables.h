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
/// heartbeat age, model, GPUs allocated of total, and the node type (with its autoscaler state)
/// when some node has one.
void print_nodes(const nlohmann::json& nodes);

/// Prints GET /v1/scale/log as a table: time (UTC), action, type, node, count, reason.
void print_scale_log(const nlohmann::json& answer);

/// Prints GET /v1/scale/cost as a table: per type and in total, node-seconds, GPU-seconds, cost.
void print_scale_cost(const nlohmann::json& answer);

}  // namespace fastgpu::cli
