#pragma once
// When vGPUs are given back without an explicit delete: an owner's lease that lapsed, a ttl
// that ran out, an idle timeout. Time is passed in, so the rules are tested with a fake clock.

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/records.h"

namespace fastgpu {

/// A vGPU due to be deleted, and why.
struct VgpuReclaim {
  VgpuId id = 0;
  bool force = false;  // cancel its unfinished tasks (a ttl ran out)
  std::string reason;  // as the record keeps it: "its lease lapsed (not renewed for 30 s)"
};

/// Tracks the lease, ttl and idle timeout of each vGPU that has one. All times are wall-clock
/// microseconds given by the caller. Not thread-safe (the scheduler's loop owns it).
class VgpuExpiry {
 public:
  /// Starts tracking `vgpu` at `now_us`: its lease runs from now, its ttl from its creation.
  /// A vGPU with none of the three is not tracked.
  void track(const VgpuRecord& vgpu, int64_t now_us);
  /// Stops tracking `id` (it was deleted).
  void forget(VgpuId id);

  /// Extends the lease of `id` by its lease period from `now_us`. Returns the new expiry, or 0
  /// when `id` has no lease.
  int64_t renew(VgpuId id, int64_t now_us);
  /// Ends the lease of `id` now: it is reclaimed once its tasks have ended, renewed or not.
  /// A vGPU without a lease gets one that has already lapsed.
  void release(VgpuId id, const VgpuSpec& spec, int64_t now_us);

  /// The vGPUs due at `now_us`: a ttl that ran out (force); a lease lapsed or an idle timeout
  /// reached while `busy` says the vGPU has no unfinished task. Each is returned until forgotten.
  std::vector<VgpuReclaim> due(int64_t now_us, const std::function<bool(VgpuId)>& busy);

  size_t size() const { return timers_.size(); }

 private:
  struct Timers {
    VgpuSpec spec;
    int64_t ttl_end_us = 0;     // 0: no ttl
    int64_t lease_end_us = 0;   // 0: no lease
    bool released = false;      // its owner gave it up
    int64_t idle_since_us = 0;  // when it was last seen with no unfinished task; 0: busy
  };
  std::unordered_map<VgpuId, Timers> timers_;
};

}  // namespace fastgpu
