#pragma once
// The shared-memory board of one GPU (/fastgpu-gpu-<device>), used by its capped vGPUs:
//  - which vGPUs launched work lately, so that a vGPU allowed to burst can tell it is alone;
//  - the device timeline: capped vGPUs take turns on the GPU by reserving the device time
//    their queued work is estimated to need. Work of two vGPUs then never overlaps on the
//    device, so the GPU does not time-slice between them (which costs throughput and makes
//    each one's measured kernel times include the other's), and measurements stay exact.
#include <cstdint>
#include <memory>
#include <string>

#include "vgpu/shared_region.h"

namespace fastgpu::vgpu {

// How recent a launch must be for its vGPU to count as active.
inline constexpr int64_t kActiveWindowNs = 100'000'000;
// How early a vGPU may queue its work before another vGPU's reservation ends, so that the GPU
// is not left idle while the launch travels to it.
inline constexpr int64_t kLaunchLeadNs = 200'000;

// This vGPU's entry on its GPU's board. Thread- and process-safe (atomics only).
class DeviceBoard {
 public:
  // Opens the board of `device_key` and takes (or re-takes) the entry of `vgpu_id`. Null with
  // `error` set when the board cannot be opened.
  static std::unique_ptr<DeviceBoard> open(const std::string& device_key,
                                           const std::string& vgpu_id, std::string* error);

  // Records a launch at `now_ns` (writes at most once a millisecond).
  void note_active(int64_t now_ns);

  // True when another vGPU on the same GPU launched within kActiveWindowNs of `now_ns`.
  bool others_active(int64_t now_ns) const;

  // True while another vGPU's reservation of the device runs past `now_ns`.
  bool held_by_other(int64_t now_ns) const;

  // Reserves `duration_ns` of device time for this vGPU after the work already reserved. When
  // another vGPU's reservation runs past `now_ns` + kLaunchLeadNs, reserves nothing and returns
  // the nanoseconds to wait before asking again; else returns 0.
  int64_t reserve(int64_t duration_ns, int64_t now_ns);

 private:
  struct Layout;
  DeviceBoard(SharedRegion region, uint64_t tag, int entry);
  Layout* layout() const;

  SharedRegion region_;
  uint64_t tag_;
  int entry_;
};

}  // namespace fastgpu::vgpu
