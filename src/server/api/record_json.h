#pragma once
// The API's JSON form of tasks, vGPUs and GPUs (docs/API.md).

#include <nlohmann/json.hpp>

#include "server/loop/gpu_pool.h"
#include "server/loop/scheduler.h"
#include "store/records.h"

namespace fastgpu {

/// A task as GET /v1/tasks/{id} shows it; GPU indices come from `pool`.
nlohmann::json task_to_json(const TaskRecord& task, const GpuPool& pool);

/// A vGPU as GET /v1/vgpus/{id} shows it.
nlohmann::json vgpu_to_json(const VgpuRecord& vgpu, const GpuPool& pool);

/// The ledger nodes of the pool (each a group of GPUs of one model on this host) with their
/// free CPU, as GET /v1/nodes shows them.
nlohmann::json nodes_to_json(const GpuPool& pool, const PoolSnapshot& snapshot);

/// The GPUs of the pool with their live allocation and `usage` (the inventory's latest sample,
/// by device index; may be empty), as GET /v1/gpus shows them.
nlohmann::json gpus_to_json(const GpuPool& pool, const PoolSnapshot& snapshot,
                            const std::vector<GpuUsage>& usage, std::string_view source);

}  // namespace fastgpu
