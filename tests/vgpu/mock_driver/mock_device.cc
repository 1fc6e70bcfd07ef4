#include "mock_driver/mock_device.h"

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
  std::atomic<int64_t> busy_until_ns;
  std::atomic<uint64_t> memory_used;
  uint64_t memory_total;
};

uint64_t configured_memory() {
  const char* text = std::getenv("FASTGPU_MOCK_MEMORY");
  return text == nullptr ? (uint64_t{80} << 30) : std::strtoull(text, nullptr, 10);
}

DeviceLayout* device() {
  static DeviceLayout* const layout = [] {
    static vgpu::SharedRegion region;
    const char* name = std::getenv("FASTGPU_MOCK_DEVICE");
    std::string error;
    const uint64_t total = configured_memory();
    auto initialise = [total](void* data) {
      new (data) DeviceLayout{};
      static_cast<DeviceLayout*>(data)->memory_total = total;
    };
    if (!region.open(vgpu::region_name("fastgpu-mock-", name ? name : "default"),
                     sizeof(DeviceLayout), 1, initialise, &error)) {
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
  auto& busy = device()->busy_until_ns;
  const int64_t now = vgpu::monotonic_now_ns();
  int64_t old = busy.load();
  int64_t start = 0;
  do {
    start = std::max({now, not_before_ns, old});
  } while (!busy.compare_exchange_weak(old, start + duration_ns));
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
