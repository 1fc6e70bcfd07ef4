#include "vgpu/allocation_table.h"

namespace fastgpu::vgpu {

AllocationTable::AllocationTable() {
  for (Shard& shard : shards_) shard.bytes_by_handle.reserve(1024);
}

void AllocationTable::insert(AllocationKind kind, uint64_t handle, uint64_t bytes) {
  Shard& shard = shards_[static_cast<int>(kind)];
  std::lock_guard lock(shard.mutex);
  shard.bytes_by_handle[handle] = bytes;
}

uint64_t AllocationTable::erase(AllocationKind kind, uint64_t handle) {
  Shard& shard = shards_[static_cast<int>(kind)];
  std::lock_guard lock(shard.mutex);
  auto found = shard.bytes_by_handle.find(handle);
  if (found == shard.bytes_by_handle.end()) return 0;
  const uint64_t bytes = found->second;
  shard.bytes_by_handle.erase(found);
  return bytes;
}

void AllocationTable::clear() {
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    shard.bytes_by_handle.clear();
  }
}

}  // namespace fastgpu::vgpu
