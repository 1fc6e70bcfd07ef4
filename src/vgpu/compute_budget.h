#pragma once
// The budget that holds a vGPU to its share of device time, shared by all the vGPU's processes
// through the ledger. It is a virtual-clock rate limiter (the GCRA of cell networks): the cell
// holds the wall time T up to which the vGPU's device time is paid for; spending c device-ns
// moves T on by c * 1000 / share. The credit at time `now` is (now - T) * share / 1000, held to
// at most kBudgetWindowNs of wall time's worth; T > now means the vGPU is in debt.
#include <cstdint>

#include "vgpu/vgpu_ledger.h"

namespace fastgpu::vgpu {

// Wall time the credit may save up while the vGPU is idle: its burst after a pause.
inline constexpr int64_t kBudgetWindowNs = 100'000'000;
// Once in debt, a vGPU waits until it has earned this much wall time's worth of credit, so that
// it then runs for a while rather than one kernel at a time: every hand-over of the GPU between
// vGPUs costs a context switch.
inline constexpr int64_t kTurnQuantumNs = 40'000'000;

// Operations on a BudgetCell. Thread- and process-safe, lock-free.
class ComputeBudget {
 public:
  // `share` is milli-GPU, 1..1000.
  ComputeBudget(BudgetCell* cell, uint32_t share) : cell_(cell), share_(share) {}

  // Unless the vGPU is throttled, spends `cost_ns` of device time (which may put it in debt and
  // so throttle it) and returns 0. Throttled, returns the wall nanoseconds until it has earned
  // kTurnQuantumNs of credit back - or, when `gpu_in_use` is false (no other vGPU holds the
  // GPU, so a hand-over costs nothing), until it is out of debt.
  int64_t try_spend(int64_t cost_ns, int64_t now_ns, bool gpu_in_use = true);

  // Spends `cost_ns` whatever the credit (bursting), or gives back a negative amount.
  void charge(int64_t cost_ns);

  // The credit at `now_ns` in device-time nanoseconds, negative in debt (tests, diagnostics).
  int64_t balance(int64_t now_ns) const;

 private:
  int64_t wall_of(int64_t cost_ns) const;

  BudgetCell* cell_;
  uint32_t share_;
};

}  // namespace fastgpu::vgpu
