#include "mock_driver/mock_device.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "vgpu/monotonic_clock.h"
#include "vgpu/shared_region.h"

namespace fastgpu::mock {
namespace {

struct DeviceLayout {
  vgpu::RegionHeader header;
  std::atomic<bool> timeline_locked;  // guards busy_until_ns and owner_pid together
  int64_t busy_until_ns;
  pid_t owner_pid;  // the process whose kernel ran last
  std::atomic<uint64_t> memory_used;
  uint64_t memory_total;
};

// Simulated context switch: idle device time before a kernel of another process than the last.
int64_t configured_switch_ns() {
  const char* text = std::getenv("FASTGPU_MOCK_SWITCH_US");
  return text == nullptr ? 0 : std::strtoll(text, nullptr, 10) * 1000;
}

uint64_t configured_memory() {
  const char* text = std::getenv("FASTGPU_MOCK_MEMORY");
  return text == nullptr ? (uint64_t{80} << 30) : std::strtoull(text, nullptr, 10);
}

DeviceLayout* device() {
  static DeviceLayout* const layout = [] {
    static vgpu::SharedRegion region;
    const char* name = std::getenv("MOCK_CUDA_DEVICE");
    std::string error;
    const uint64_t total = configured_memory();
    auto initialise = [total](void* data) {
      new (data) DeviceLayout{};
      static_cast<DeviceLayout*>(data)->memory_total = total;
    };
    if (!region.open(vgpu::region_name("fastgpu-mock-", name ? name : "default"),
                     sizeof(DeviceLayout), 2, initialise, &error)) {
      std::abort();
    }
    return static_cast<DeviceLayout*>(region.data());
  }();
  return layout;
}

std::mutex intervals_mutex;
std::vector<std::pair<int64_t, int64_t>> intervals;  // this process's kernels

}  // namespace

int64_t run_on_device(int64_t duration_ns, int64_t not_before_ns) {
  static const int64_t switch_ns = configured_switch_ns();
  static const pid_t self = getpid();
  DeviceLayout* d = device();
  while (d->timeline_locked.exchange(true, std::memory_order_acquire)) {
  }
  int64_t start = std::max({vgpu::monotonic_now_ns(), not_before_ns, d->busy_until_ns});
  if (d->owner_pid != self && duration_ns > 0) {
    start += switch_ns;
    d->owner_pid = self;
  }
  d->busy_until_ns = start + duration_ns;
  d->timeline_locked.store(false, std::memory_order_release);
  if (duration_ns > 0) {
    std::lock_guard lock(intervals_mutex);
    intervals.emplace_back(start, start + duration_ns);
  }
  return start + duration_ns;
}

bool take_device_memory(uint64_t bytes) {
  auto& used = device()->memory_used;
  uint64_t old = used.load();
  do {
    if (old + bytes > device()->memory_total) return false;
  } while (!used.compare_exchange_weak(old, old + bytes));
  return true;
}

void give_device_memory(uint64_t bytes) { device()->memory_used -= bytes; }

uint64_t device_memory_total() { return device()->memory_total; }

uint64_t device_memory_used() { return device()->memory_used.load(); }

int64_t busy_ns_between(int64_t from_ns, int64_t to_ns) {
  std::lock_guard lock(intervals_mutex);
  int64_t busy = 0;
  for (const auto& [start, end] : intervals) {
    busy += std::max<int64_t>(0, std::min(end, to_ns) - std::max(start, from_ns));
  }
  return busy;
}

}  // namespace fastgpu::mock
