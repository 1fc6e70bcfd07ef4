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
    if (!sample.charge) continue;
    const int64_t cost = costs_.estimate(sample.key);
    budget_->charge(cost);
    totals_.charged.fetch_add(cost, std::memory_order_relaxed);
  }
}

int64_t LaunchThrottle::wait_for_budget(LaunchGate* gate, int64_t now) {
  for (;; now = monotonic_now_ns()) {
    // Whether others want the GPU matters only when throttled: the board is scanned then.
    int64_t wait = budget_->try_spend(gate->charged_ns, now, board_ != nullptr);
    if (wait == 0) return now;
    const bool alone = board_ == nullptr || !board_->others_active(now);
    if (alone && board_ != nullptr) wait = budget_->try_spend(gate->charged_ns, now, false);
    if (wait == 0) return now;
    if (board_ != nullptr) {
      board_->yield_turn();
      board_->note_active(now);  // still wants the GPU: others keep their turns whole
    }
    if (burst_ && alone) {
      budget_->charge(gate->charged_ns);  // alone on the GPU and allowed to burst
      return now;
    }
    pause(wait);
    totals_.budget_wait.fetch_add(monotonic_now_ns() - now, std::memory_order_relaxed);
  }
}

bool LaunchThrottle::wait_for_device_turn(int64_t cost_ns, int64_t now) {
  bool handed_over = false;
  if (board_ == nullptr) return handed_over;
  if (board_->reserve(cost_ns, now, &handed_over) == 0) return handed_over;
  for (;; now = monotonic_now_ns()) {
    // Asks again after reading the yield counter, so a yield in between is not slept through.
    const uint32_t yields_seen = board_->yields();
    const int64_t wait = board_->reserve(cost_ns, now, &handed_over);
    if (wait == 0) break;
    board_->await_yield(yields_seen, std::min(wait, kMaxSleepNs));
    absorb_measurements();
    totals_.turn_wait.fetch_add(monotonic_now_ns() - now, std::memory_order_relaxed);
  }
  return handed_over;
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
  bool sampled = costs_.on_launch(key, &estimate);
  gate.charge_on_measure = estimate < 0;
  gate.charged_ns = std::max<int64_t>(estimate, 0);
  const int64_t cleared = wait_for_budget(&gate, now);
  const bool handed_over =
      wait_for_device_turn(estimate < 0 ? kUnmeasuredReservationNs : estimate, cleared);
  // The first launch after a hand-over is timed with the context switch and the previous
  // vGPU's last work in it: measuring it would inflate the estimate.
  if (handed_over && estimate >= 0) sampled = false;
  if (counting_) {
    totals_.launches.fetch_add(1, std::memory_order_relaxed);
    totals_.charged.fetch_add(gate.charged_ns, std::memory_order_relaxed);
  }
  if (sampled) gate.ticket = timer_.begin(stream, per_thread);
  return gate;
}

void LaunchThrottle::after_launch(const LaunchGate& gate, CUstream stream, bool per_thread,
                                  CUresult result) {
  if (!budget_) return;
  if (result != CUDA_SUCCESS) {
    budget_->charge(-gate.charged_ns);
    totals_.charged.fetch_sub(gate.charged_ns, std::memory_order_relaxed);
    if (gate.ticket >= 0) timer_.abandon(gate.ticket);
    return;
  }
  if (gate.ticket >= 0) {
    timer_.end(gate.ticket, stream, per_thread, gate.key, gate.charge_on_measure);
  }
}

std::string LaunchThrottle::report() {
  const auto ms = [](const std::atomic<int64_t>& ns) {
    return std::to_string(ns.load(std::memory_order_relaxed) / 1'000'000);
  };
  return "throttled_launches=" + std::to_string(totals_.launches.load()) +
         " charged_ms=" + ms(totals_.charged) + " budget_wait_ms=" + ms(totals_.budget_wait) +
         " turn_wait_ms=" + ms(totals_.turn_wait) + " estimate/min/max_us=" + costs_.summary(4);
}

}  // namespace fastgpu::vgpu
