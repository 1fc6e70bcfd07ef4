#include "vgpu/device_board.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <ctime>
#include <functional>
#include <new>

#include "vgpu/monotonic_clock.h"

namespace fastgpu::vgpu {
namespace {

constexpr uint32_t kBoardLayoutVersion = 3;
constexpr int kBoardEntries = 64;  // fits the reservation word's entry field
// An entry silent this long may be taken over by another vGPU.
constexpr int64_t kStaleEntryNs = 10'000'000'000;
constexpr int64_t kMaxReservationAheadNs = 100'000'000;

struct BoardEntry {
  std::atomic<uint64_t> tag;  // hash of the vGPU id; 0 = free
  std::atomic<int64_t> last_active_ns;
};

}  // namespace

struct DeviceBoard::Layout {
  RegionHeader header;
  // see reserve(): the end of the reserved device time and the vGPU holding the turn
  alignas(64) std::atomic<uint64_t> reservation;
  std::atomic<uint32_t> yields;  // a futex word: bumped by every yield
  alignas(64) BoardEntry entries[kBoardEntries];
};

DeviceBoard::DeviceBoard(SharedRegion region, uint64_t tag, int entry)
    : region_(std::move(region)), tag_(tag), entry_(entry) {}

DeviceBoard::Layout* DeviceBoard::layout() const { return static_cast<Layout*>(region_.data()); }

std::unique_ptr<DeviceBoard> DeviceBoard::open(const std::string& device_key,
                                               const std::string& vgpu_id, std::string* error) {
  SharedRegion region;
  auto initialise = [](void* data) { new (data) Layout{}; };
  if (!region.open(region_name("fastgpu-gpu-", device_key), sizeof(Layout), kBoardLayoutVersion,
                   initialise, error)) {
    return nullptr;
  }
  const uint64_t tag = std::hash<std::string>{}(vgpu_id) | 1;
  auto* l = static_cast<Layout*>(region.data());
  int entry = -1;
  for (int i = 0; i < kBoardEntries && entry < 0; ++i) {
    if (l->entries[i].tag.load() == tag) entry = i;
  }
  for (int i = 0; i < kBoardEntries && entry < 0; ++i) {
    uint64_t expected = 0;
    if (l->entries[i].tag.compare_exchange_strong(expected, tag)) entry = i;
  }
  // Full: take over an entry whose vGPU has been silent for long.
  const int64_t stale_before = monotonic_now_ns() - kStaleEntryNs;
  for (int i = 0; i < kBoardEntries && entry < 0; ++i) {
    uint64_t old = l->entries[i].tag.load();
    if (l->entries[i].last_active_ns.load() > stale_before) continue;
    if (l->entries[i].tag.compare_exchange_strong(old, tag)) entry = i;
  }
  if (entry < 0) entry = 0;  // 64 vGPUs active on one GPU: they share an entry
  return std::unique_ptr<DeviceBoard>(new DeviceBoard(std::move(region), tag, entry));
}

void DeviceBoard::note_active(int64_t now_ns) {
  auto& last = layout()->entries[entry_].last_active_ns;
  if (now_ns - last.load(std::memory_order_relaxed) > 1'000'000) {
    last.store(now_ns, std::memory_order_relaxed);
  }
}

bool DeviceBoard::others_active(int64_t now_ns) const {
  for (int i = 0; i < kBoardEntries; ++i) {
    const BoardEntry& e = layout()->entries[i];
    const uint64_t tag = e.tag.load(std::memory_order_relaxed);
    if (tag == 0 || (i == entry_ && tag == tag_)) continue;
    if (now_ns - e.last_active_ns.load(std::memory_order_relaxed) < kActiveWindowNs) return true;
  }
  return false;
}

namespace {

// The reservation word: (end of the reserved device time in microseconds << 8) | yielded bit |
// entry of the vGPU holding the turn.
constexpr uint64_t kYieldedBit = 0x80;
constexpr uint64_t kEntryMask = 0x7F;

int64_t end_of(uint64_t reservation) { return static_cast<int64_t>(reservation >> 8) * 1000; }

}  // namespace

int64_t DeviceBoard::reserve(int64_t duration_ns, int64_t now_ns, bool* handed_over) {
  auto& reservation = layout()->reservation;
  uint64_t old = reservation.load(std::memory_order_acquire);
  for (;;) {
    const int64_t end_ns = end_of(old);
    const bool mine = (old & kEntryMask) == static_cast<uint64_t>(entry_);
    const int64_t free_at =
        (old & kYieldedBit) != 0 ? end_ns - kLaunchLeadNs : end_ns + kIdleGraceNs;
    if (!mine && free_at > now_ns) return free_at - now_ns;
    // Never further ahead than kMaxReservationAheadNs: a wrong estimate must not lock others out.
    const int64_t new_end_ns =
        std::min(std::max(end_ns, now_ns) + duration_ns, now_ns + kMaxReservationAheadNs);
    const uint64_t new_end_us = static_cast<uint64_t>((new_end_ns + 999) / 1000);
    const uint64_t updated = (new_end_us << 8) | static_cast<uint64_t>(entry_);
    if (reservation.compare_exchange_weak(old, updated, std::memory_order_acq_rel)) {
      *handed_over = !mine && old != 0;
      return 0;
    }
  }
}

void DeviceBoard::yield_turn() {
  auto& reservation = layout()->reservation;
  uint64_t old = reservation.load(std::memory_order_acquire);
  for (;;) {
    if ((old & kEntryMask) != static_cast<uint64_t>(entry_) || (old & kYieldedBit) != 0) return;
    if (reservation.compare_exchange_weak(old, old | kYieldedBit, std::memory_order_acq_rel)) {
      break;
    }
  }
  layout()->yields.fetch_add(1, std::memory_order_release);
  syscall(SYS_futex, &layout()->yields, FUTEX_WAKE, INT32_MAX, nullptr, nullptr, 0);
}

uint32_t DeviceBoard::yields() const { return layout()->yields.load(std::memory_order_acquire); }

void DeviceBoard::await_yield(uint32_t seen, int64_t timeout_ns) const {
  const timespec timeout{static_cast<time_t>(timeout_ns / 1'000'000'000),
                         static_cast<long>(timeout_ns % 1'000'000'000)};
  // Shared between processes: not FUTEX_PRIVATE. Returns early on a wake, a changed word or a
  // signal; the caller re-checks the board either way.
  syscall(SYS_futex, &layout()->yields, FUTEX_WAIT, seen, &timeout, nullptr, 0);
}

}  // namespace fastgpu::vgpu
