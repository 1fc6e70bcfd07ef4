#pragma once
// Measures sampled launches on the device: a pair of CUDA events around the launch on its
// stream, read back later without blocking. Events are pooled per context.
#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "vgpu/real_driver.h"

namespace fastgpu::vgpu {

// A measured launch whose events have completed.
struct LaunchSample {
  uint64_t key;
  int64_t elapsed_ns;
  bool charge;  // the launch was let through unpriced; its cost is still owed
};

// Per-process event bookkeeping. Thread-safe.
class LaunchTimer {
 public:
  explicit LaunchTimer(const RealDriver* driver) : driver_(driver) {}

  // Records the start event on `stream` (per-thread default stream when `per_thread`). Returns
  // an opaque ticket, or -1 when events are unavailable (the launch then goes unmeasured).
  int begin(CUstream stream, bool per_thread);

  // Records the end event of `ticket` after a successful launch, and queues it.
  void end(int ticket, CUstream stream, bool per_thread, uint64_t key, bool charge);

  // Gives the ticket's events back after a failed launch.
  void abandon(int ticket);

  // Moves up to `limit` completed samples, oldest first, into `out`; never blocks.
  void collect(std::vector<LaunchSample>* out, int limit);

  // True when measurements are queued (a lock-free hint for skipping collect()).
  bool has_pending() const { return pending_count_.load(std::memory_order_relaxed) > 0; }

 private:
  struct Pair {
    CUcontext context = nullptr;
    CUevent start = nullptr;
    CUevent stop = nullptr;
    uint64_t key = 0;
    bool charge = false;
  };
  CUresult record(CUevent event, CUstream stream, bool per_thread) const;
  bool take_pair(CUcontext context, Pair* pair);
  void give_back(const Pair& pair);
  void discard(const Pair& pair);

  const RealDriver* driver_;
  std::mutex mutex_;
  std::unordered_map<CUcontext, std::vector<Pair>> free_;
  std::unordered_map<int, Pair> open_;
  std::deque<Pair> pending_;
  std::atomic<int> pending_count_{0};
  int next_ticket_ = 0;
};

}  // namespace fastgpu::vgpu
