#pragma once
// The compute controller of one process of a vGPU. Before each launch it asks the vGPU's shared
// budget for the launch's estimated device time and waits while the budget is spent, then
// waits for its turn on the GPU's device timeline (see DeviceBoard::reserve); sampled
// launches are measured on the device and the measurements both refine the estimates and pay
// the cost of launches that went out before their kernel had been measured (closed loop).
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vgpu/compute_budget.h"
#include "vgpu/device_board.h"
#include "vgpu/kernel_cost_model.h"
#include "vgpu/launch_timer.h"

namespace fastgpu::vgpu {

// What before_launch() decided, handed back to after_launch().
struct LaunchGate {
  uint64_t key = 0;
  int64_t charged_ns = 0;
  int ticket = -1;  // LaunchTimer ticket when the launch is measured
  bool charge_on_measure = false;
};

// Thread-safe.
class LaunchThrottle {
 public:
  // `budget` empty: the vGPU is not capped and launches only mark it active on `board`.
  // `board` may be null (then nobody sees this vGPU's activity and it never bursts). `burst`:
  // the vGPU may run over its share while no other vGPU on the GPU is active.
  LaunchThrottle(const RealDriver* driver, std::optional<ComputeBudget> budget,
                 std::unique_ptr<DeviceBoard> board, bool burst);

  // Blocks until the vGPU may launch work `key` on `stream`, and starts measuring it if it is
  // sampled.
  LaunchGate before_launch(uint64_t key, CUstream stream, bool per_thread);

  // Completes the launch begun with before_launch(): on failure the charge is given back.
  void after_launch(const LaunchGate& gate, CUstream stream, bool per_thread, CUresult result);

  // Counts launches and device time charged for report() from now on (a cost on every launch).
  void count_for_report() { counting_ = true; }

  // One line of the controller's figures so far: throttled launches and device time charged
  // (when counted), time spent waiting for budget and for turns, and the cost estimates.
  std::string report();

 private:
  void absorb_measurements();

  // Waits until the budget lets the launch through; returns the time it did.
  int64_t wait_for_budget(LaunchGate* gate, int64_t now);
  // Waits until the vGPU may queue `cost_ns` of work; true when the device is handed over to
  // it from another vGPU.
  bool wait_for_device_turn(int64_t cost_ns, int64_t now);
  void pause(int64_t wait_ns);

  // Totals for report(), in nanoseconds.
  struct Totals {
    std::atomic<int64_t> launches{0}, charged{0}, budget_wait{0}, turn_wait{0};
  };

  std::optional<ComputeBudget> budget_;
  Totals totals_;
  bool counting_ = false;
  std::unique_ptr<DeviceBoard> board_;
  bool burst_;
  KernelCostModel costs_;
  LaunchTimer timer_;
};

}  // namespace fastgpu::vgpu
