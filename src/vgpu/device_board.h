#pragma once
// The shared-memory board of one GPU (/fastgpu-gpu-<device>), used by its capped vGPUs:
//  - which vGPUs launched work lately, so that a vGPU allowed to burst can tell it is alone;
//  - the device timeline: capped vGPUs take turns on the GPU by reserving the device time
//    their queued work is estimated to need. Work of two vGPUs then hardly overlaps on the
//    device, so the GPU does not time-slice between them (which costs throughput and makes
//    each one's measured kernel times include the other's). A vGPU keeps its turn while it
//    keeps launching, until it yields (its budget is spent) or falls idle: every hand-over
//    costs the GPU a context switch, so there are as few as the shares allow.
#include <cstdint>
#include <memory>
#include <string>

#include "vgpu/shared_region.h"

namespace fastgpu::vgpu {

// How recent a launch must be for its vGPU to count as active.
inline constexpr int64_t kActiveWindowNs = 100'000'000;
// How early a vGPU may queue its work before the reservation of a vGPU that yielded ends, so
// that the GPU is not left idle while the launch travels to it.
inline constexpr int64_t kLaunchLeadNs = 200'000;
// How long after its reservation's end a vGPU that did not yield keeps its turn: reservations
// are estimates and may end before the work does, and its next launch may still be coming.
inline constexpr int64_t kIdleGraceNs = 2'000'000;

// This vGPU's entry on its GPU's board. Thread- and process-safe (atomics only).
class DeviceBoard {
 public:
  // Opens the board of `device_key` and takes (or re-takes) the entry of `vgpu_id`. Null with
  // `error` set when the board cannot be opened.
  static std::unique_ptr<DeviceBoard> open(const std::string& device_key,
                                           const std::string& vgpu_id, std::string* error);

  // Records a launch, or a wish to launch, at `now_ns` (writes at most once a millisecond).
  void note_active(int64_t now_ns);

  // True when another vGPU on the same GPU launched or waited to within kActiveWindowNs of
  // `now_ns`.
  bool others_active(int64_t now_ns) const;

  // Reserves `duration_ns` of device time for this vGPU after the work already reserved. While
  // another vGPU has the turn (its reservation runs past `now_ns` + kLaunchLeadNs if it
  // yielded, past `now_ns` - kIdleGraceNs if not), reserves nothing and returns the
  // nanoseconds to wait before asking again; else returns 0 and sets `handed_over` to whether
  // the device passes from another vGPU to this one (the work then starts after a context
  // switch, and its measured time includes that).
  int64_t reserve(int64_t duration_ns, int64_t now_ns, bool* handed_over);

  // Ends this vGPU's turn once its reserved work is done (its budget is spent): another vGPU
  // may then queue its work at once rather than after kIdleGraceNs, and vGPUs waiting in
  // await_yield() wake. No-op without the turn.
  void yield_turn();

  // A counter of yields, to pass to await_yield().
  uint32_t yields() const;

  // Sleeps until a yield after the one `seen` counted, or for `timeout_ns`.
  void await_yield(uint32_t seen, int64_t timeout_ns) const;

 private:
  struct Layout;
  DeviceBoard(SharedRegion region, uint64_t tag, int entry);
  Layout* layout() const;

  SharedRegion region_;
  uint64_t tag_;
  int entry_;
};

}  // namespace fastgpu::vgpu
