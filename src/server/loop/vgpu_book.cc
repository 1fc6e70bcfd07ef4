#include "server/loop/vgpu_book.h"

namespace fastgpu {

const VgpuSlice* VgpuBook::find(VgpuId id) const {
  auto it = slices_.find(id);
  return it == slices_.end() ? nullptr : &it->second;
}

const VgpuSlice* VgpuBook::live(VgpuId id) const {
  const VgpuSlice* slice = find(id);
  return slice == nullptr || slice->deleting() ? nullptr : slice;
}

const VgpuSlice* VgpuBook::placed(VgpuId id) const {
  const VgpuSlice* slice = find(id);
  return slice == nullptr || !slice->placed() ? nullptr : slice;
}

void VgpuBook::add(const VgpuRecord& record, int64_t now_us) {
  slices_.emplace(record.id, VgpuSlice(record));
  expiry_.track(record, now_us);
}

void VgpuBook::remove(VgpuId id) {
  slices_.erase(id);
  expiry_.forget(id);
  set_reason(id, PendingReason::kNone);
}

uint64_t VgpuBook::holding_key(int64_t id) {
  constexpr uint64_t kVgpuHoldingBit = uint64_t{1} << 62;
  constexpr uint64_t kUnsavedBit = uint64_t{1} << 61;
  return id >= 0 ? kVgpuHoldingBit | static_cast<uint64_t>(id)
                 : kVgpuHoldingBit | kUnsavedBit | static_cast<uint64_t>(-id);
}

void VgpuBook::set_reason(VgpuId id, PendingReason reason) {
  std::lock_guard lock(reasons_mu_);
  if (reason == PendingReason::kNone) {
    reasons_.erase(id);
  } else {
    reasons_[id] = reason;
  }
}

PendingReason VgpuBook::reason(VgpuId id) const {
  std::lock_guard lock(reasons_mu_);
  auto it = reasons_.find(id);
  return it == reasons_.end() ? PendingReason::kNone : it->second;
}

}  // namespace fastgpu
