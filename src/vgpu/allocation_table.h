#pragma once
// The bytes behind each live allocation this process made through the shim, so that a free
// credits exactly what the allocation charged. Device pointers, physical-memory handles and
// arrays are separate name spaces.
#include <cstdint>
#include <mutex>
#include <unordered_map>

namespace fastgpu::vgpu {

// What kind of handle an allocation returned.
enum class AllocationKind { kDevicePointer, kMemoryHandle, kArray, kCount };

// Thread-safe.
class AllocationTable {
 public:
  AllocationTable();

  // Remembers that `handle` of `kind` holds `bytes`.
  void insert(AllocationKind kind, uint64_t handle, uint64_t bytes);

  // Forgets `handle` and returns its bytes; 0 when it was not made through the shim.
  uint64_t erase(AllocationKind kind, uint64_t handle);

  // Forgets everything (in a forked child, which owns none of its parent's allocations).
  void clear();

 private:
  struct Shard {
    std::mutex mutex;
    std::unordered_map<uint64_t, uint64_t> bytes_by_handle;
  };
  Shard shards_[static_cast<int>(AllocationKind::kCount)];
};

}  // namespace fastgpu::vgpu
