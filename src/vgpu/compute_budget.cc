#include "vgpu/compute_budget.h"

#include <algorithm>

namespace fastgpu::vgpu {
namespace {
constexpr int64_t kThrottledBit = 1;
}  // namespace

// Wall time a device-time cost takes to earn, rounded to even so the flag bit stays clear.
int64_t ComputeBudget::wall_of(int64_t cost_ns) const {
  return (cost_ns * 1000 / share_) & ~kThrottledBit;
}

int64_t ComputeBudget::try_spend(int64_t cost_ns, int64_t now_ns, bool shared) {
  const int64_t quantum = shared ? kTurnCycleNs * (1000 - share_) / 1000 : 0;
  int64_t old = cell_->state.load(std::memory_order_relaxed);
  for (;;) {
    const int64_t paid_until =
        std::max(old & ~kThrottledBit, (now_ns - kBudgetWindowNs) & ~kThrottledBit);
    if ((old & kThrottledBit) != 0 || paid_until > now_ns) {
      const int64_t resume_at = paid_until + quantum;
      if (now_ns < resume_at) {
        const int64_t throttled = (old & ~kThrottledBit) | kThrottledBit;
        if (old == throttled ||
            cell_->state.compare_exchange_weak(old, throttled, std::memory_order_relaxed)) {
          return resume_at - now_ns;
        }
        continue;
      }
    }
    const int64_t spent = paid_until + wall_of(cost_ns);
    if (cell_->state.compare_exchange_weak(old, spent, std::memory_order_relaxed)) return 0;
  }
}

void ComputeBudget::charge(int64_t cost_ns) {
  cell_->state.fetch_add(wall_of(cost_ns), std::memory_order_relaxed);
}

int64_t ComputeBudget::balance(int64_t now_ns) const {
  const int64_t paid_until = cell_->state.load(std::memory_order_relaxed) & ~kThrottledBit;
  return std::min(now_ns - paid_until, kBudgetWindowNs) * share_ / 1000;
}

}  // namespace fastgpu::vgpu
