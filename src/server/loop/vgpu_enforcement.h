#pragma once
// fastgpud's side of the contract with libfastgpu-vgpu (docs/VGPU.md): which enforcement id a
// task's processes share, and removing an id's shared-memory ledger once nothing uses it.
#include <string>

#include "store/records.h"

namespace fastgpu {

/// A prefix that keeps this daemon's enforcement ids apart from another daemon's on the same
/// host (ledgers live in host-wide shared memory): 8 hex digits of its data directory.
std::string enforcement_prefix(const std::string& data_dir);

/// The FASTGPU_VGPU_ID of a task: its vGPU's ("<prefix>-v<vgpu>"), shared by all the vGPU's
/// tasks, or for a task on the pool its own ("<prefix>-t<task>").
std::string enforcement_id(const std::string& prefix, VgpuId vgpu, TaskId task);

/// Deletes the shared-memory ledger of `id` (/fastgpu-vgpu-<id>); nothing if there is none.
void remove_enforcement_ledger(const std::string& id);

}  // namespace fastgpu
