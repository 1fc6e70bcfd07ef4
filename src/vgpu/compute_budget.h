#pragma once
// The token bucket that holds a vGPU to its share of device time. The balance (device-time
// nanoseconds the vGPU may still spend) refills at share/1000 of wall time, up to a small cap,
// and is shared by all the vGPU's processes through the ledger.
#include <cstdint>

#include "vgpu/vgpu_ledger.h"

namespace fastgpu::vgpu {

// Wall time the balance may save up while the vGPU is idle: its burst after a pause.
inline constexpr int64_t kBudgetWindowNs = 50'000'000;
// Once throttled, a vGPU waits until it has earned this much wall time's worth of credit, so
// that it then runs for a while rather than one kernel at a time: every hand-over of the GPU
// between vGPUs costs a context switch.
inline constexpr int64_t kTurnQuantumNs = 20'000'000;

// Operations on a BudgetCell. Thread- and process-safe (the cell's robust mutex).
class ComputeBudget {
 public:
  // `share` is milli-GPU, 1..1000.
  ComputeBudget(BudgetCell* cell, uint32_t share) : cell_(cell), share_(share) {}

  // Refills to `now_ns`. Unless throttled, spends `cost_ns` (which may take the balance below
  // zero, and the vGPU into throttling) and returns 0. Throttled, returns the wall nanoseconds
  // until the balance reaches the resume level (kTurnQuantumNs of credit).
  int64_t try_spend(int64_t cost_ns, int64_t now_ns);

  // Spends `cost_ns` whatever the balance (bursting), or gives back a negative amount.
  void charge(int64_t cost_ns);

  // The balance after refilling to `now_ns` (for tests and diagnostics).
  int64_t balance(int64_t now_ns);

 private:
  void refill_locked(int64_t now_ns);

  BudgetCell* cell_;
  uint32_t share_;
};

}  // namespace fastgpu::vgpu
