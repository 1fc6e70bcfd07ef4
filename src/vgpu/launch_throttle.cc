#include "vgpu/launch_throttle.h"

#include <algorithm>
#include <thread>

#include "vgpu/monotonic_clock.h"

namespace fastgpu::vgpu {
namespace {
// The longest single sleep; the budget is re-read after it.
constexpr int64_t kMaxSleepNs = 2'000'000;
// Device time reserved for a kernel not measured yet.
constexpr int64_t kUnmeasuredReservationNs = 1'000'000;
}  // namespace

LaunchThrottle::LaunchThrottle(const RealDriver* driver, std::optional<ComputeBudget> budget,
                               std::unique_ptr<DeviceBoard> board, bool burst)
    : budget_(budget),
      board_(std::move(board)),
      burst_(burst && board_ != nullptr),
      timer_(driver) {}

void LaunchThrottle::absorb_measurements() {
  if (!timer_.has_pending()) return;
  thread_local std::vector<LaunchSample> samples;
  samples.clear();
  timer_.collect(&samples, 4);
  for (const LaunchSample& sample : samples) {
    costs_.record(sample.key, sample.elapsed_ns);
    if (sample.charge) budget_->charge(costs_.estimate(sample.key));
  }
}

void LaunchThrottle::wait_for_budget(LaunchGate* gate, int64_t now) {
  for (;; now = monotonic_now_ns()) {
    const bool gpu_in_use = board_ != nullptr && board_->held_by_other(now);
    const int64_t wait = budget_->try_spend(gate->charged_ns, now, gpu_in_use);
    if (wait == 0) return;
    if (burst_ && !board_->others_active(now)) {
      budget_->charge(gate->charged_ns);  // alone on the GPU and allowed to burst
      return;
    }
    pause(wait);
  }
}

void LaunchThrottle::wait_for_device_turn(int64_t cost_ns, int64_t now) {
  if (board_ == nullptr) return;
  for (int64_t wait; (wait = board_->reserve(cost_ns, now)) > 0; now = monotonic_now_ns()) {
    pause(wait);
  }
}

void LaunchThrottle::pause(int64_t wait_ns) {
  std::this_thread::sleep_for(std::chrono::nanoseconds(std::min(wait_ns, kMaxSleepNs)));
  absorb_measurements();
}

LaunchGate LaunchThrottle::before_launch(uint64_t key, CUstream stream, bool per_thread) {
  LaunchGate gate;
  const int64_t now = monotonic_now_ns();
  if (board_ != nullptr) board_->note_active(now);
  if (!budget_) return gate;
  absorb_measurements();
  gate.key = key;
  int64_t estimate = -1;
  const bool sampled = costs_.on_launch(key, &estimate);
  gate.charge_on_measure = estimate < 0;
  gate.charged_ns = std::max<int64_t>(estimate, 0);
  wait_for_budget(&gate, now);
  wait_for_device_turn(estimate < 0 ? kUnmeasuredReservationNs : estimate, now);
  if (sampled) gate.ticket = timer_.begin(stream, per_thread);
  return gate;
}

void LaunchThrottle::after_launch(const LaunchGate& gate, CUstream stream, bool per_thread,
                                  CUresult result) {
  if (!budget_) return;
  if (result != CUDA_SUCCESS) {
    budget_->charge(-gate.charged_ns);
    if (gate.ticket >= 0) timer_.abandon(gate.ticket);
    return;
  }
  if (gate.ticket >= 0) {
    timer_.end(gate.ticket, stream, per_thread, gate.key, gate.charge_on_measure);
  }
}

}  // namespace fastgpu::vgpu
