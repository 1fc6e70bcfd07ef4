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
inline constexpr int64_t kBudgetWindowNs = 150'000'000;
// While other vGPUs want the GPU, the vGPUs take turns: in each cycle of this much wall time a
// vGPU of share s runs one turn of s * cycle of device time. Every hand-over of the GPU costs a
// context switch, so turns are long; they are not longer, so that no vGPU waits long.
inline constexpr int64_t kTurnCycleNs = 100'000'000;
static_assert(kTurnCycleNs <= kBudgetWindowNs, "a turn's credit must fit the window");

// Operations on a BudgetCell. Thread- and process-safe, lock-free.
class ComputeBudget {
 public:
  // `share` is milli-GPU, 1..1000.
  ComputeBudget(BudgetCell* cell, uint32_t share) : cell_(cell), share_(share) {}

  // Unless the vGPU is throttled, spends `cost_ns` of device time (which may put it in debt and
  // so throttle it) and returns 0. Throttled, returns the wall nanoseconds until it has earned
  // the credit of a whole turn - (1 - s) * kTurnCycleNs of wall time's worth, since it earns
  // the rest while it runs - or, when `shared` is false (no other vGPU wants the GPU, so a
  // hand-over costs nothing), until it is out of debt.
  int64_t try_spend(int64_t cost_ns, int64_t now_ns, bool shared = true);

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
