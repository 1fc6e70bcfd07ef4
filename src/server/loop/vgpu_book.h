#pragma once
// The vGPUs fastgpud's loop holds: each one's slice, its lease, ttl and idle timeout, and why a
// pending one waits.

#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "sched/queue/pending_reason.h"
#include "server/loop/vgpu_expiry.h"
#include "server/loop/vgpu_slice.h"
#include "store/records.h"

namespace fastgpu {

/// The book of vGPUs. Owned by the scheduler's loop thread (not thread-safe), except
/// set_reason() and reason(), which API threads may call too.
class VgpuBook {
 public:
  /// vGPU `id`'s slice; null when unknown.
  const VgpuSlice* find(VgpuId id) const;
  VgpuSlice* find(VgpuId id) { return mutable_slice(std::as_const(*this).find(id)); }
  /// vGPU `id`'s slice while it is known and not being deleted; null otherwise.
  const VgpuSlice* live(VgpuId id) const;
  /// vGPU `id`'s slice while it is placed on a GPU; null otherwise.
  const VgpuSlice* placed(VgpuId id) const;
  VgpuSlice* placed(VgpuId id) { return mutable_slice(std::as_const(*this).placed(id)); }
  /// vGPU `id`'s slice, which must be known.
  VgpuSlice& at(VgpuId id) { return slices_.at(id); }
  /// Every slice, by id.
  std::unordered_map<VgpuId, VgpuSlice>& slices() { return slices_; }
  const std::unordered_map<VgpuId, VgpuSlice>& slices() const { return slices_; }

  /// Keeps vGPU `record`; its lease, ttl and idle timeout are tracked from `now_us`.
  void add(const VgpuRecord& record, int64_t now_us);
  /// Forgets vGPU `id`: its slice, its timers and its reason.
  void remove(VgpuId id);
  /// The leases, ttls and idle timeouts of the vGPUs kept.
  VgpuExpiry& expiry() { return expiry_; }

  /// The queue engine's key of vGPU `id`'s holding. Holdings of vGPUs share the engine's id
  /// space with tasks: one bit keeps them apart, and the next one those of vGPUs whose id the
  /// store has not given yet (numbered below zero).
  static uint64_t holding_key(int64_t id);
  /// The key of a vGPU being created, before the store gives its id; each call a new one.
  uint64_t unsaved_holding_key() { return holding_key(-(++unsaved_)); }

  /// Why vGPU `id` is not placed (kNone: it is, or was not tried). Thread-safe.
  void set_reason(VgpuId id, PendingReason reason);
  PendingReason reason(VgpuId id) const;

 private:
  // The book's own slice, through a const lookup.
  static VgpuSlice* mutable_slice(const VgpuSlice* slice) { return const_cast<VgpuSlice*>(slice); }

  std::unordered_map<VgpuId, VgpuSlice> slices_;
  VgpuExpiry expiry_;
  int64_t unsaved_ = 0;
  mutable std::mutex reasons_mu_;
  std::unordered_map<VgpuId, PendingReason> reasons_;  // guarded by reasons_mu_
};

}  // namespace fastgpu
