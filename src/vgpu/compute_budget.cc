#include "vgpu/compute_budget.h"

#include <algorithm>

#include "vgpu/robust_mutex.h"

namespace fastgpu::vgpu {
namespace {
void nothing_to_repair() {}  // every field is rewritten whole under the lock
}  // namespace

void ComputeBudget::refill_locked(int64_t now_ns) {
  if (cell_->stamp_ns == 0 || now_ns < cell_->stamp_ns) {
    cell_->stamp_ns = now_ns;
    return;
  }
  const int64_t cap = kBudgetWindowNs * share_ / 1000;
  const int64_t earned = (now_ns - cell_->stamp_ns) * share_ / 1000;
  cell_->balance_ns = std::min(cap, cell_->balance_ns + earned);
  cell_->stamp_ns = now_ns;
}

int64_t ComputeBudget::try_spend(int64_t cost_ns, int64_t now_ns) {
  RobustLock lock(&cell_->mutex, nothing_to_repair);
  refill_locked(now_ns);
  if (cell_->throttled || cell_->balance_ns < 0) {
    const int64_t resume = std::min(kTurnQuantumNs, kBudgetWindowNs) * share_ / 1000;
    if (cell_->balance_ns < resume) {
      cell_->throttled = 1;
      return ((resume - cell_->balance_ns) * 1000 + share_ - 1) / share_;
    }
    cell_->throttled = 0;
  }
  cell_->balance_ns -= cost_ns;
  return 0;
}

void ComputeBudget::charge(int64_t cost_ns) {
  RobustLock lock(&cell_->mutex, nothing_to_repair);
  cell_->balance_ns -= cost_ns;
}

int64_t ComputeBudget::balance(int64_t now_ns) {
  RobustLock lock(&cell_->mutex, nothing_to_repair);
  refill_locked(now_ns);
  return cell_->balance_ns;
}

}  // namespace fastgpu::vgpu
