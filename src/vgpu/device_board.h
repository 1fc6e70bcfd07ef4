#pragma once
// Which vGPUs on one GPU launched work lately: a small shared-memory board per GPU
// (/fastgpu-gpu-<device>), so that a vGPU allowed to burst can tell whether it is alone.
#include <cstdint>
#include <memory>
#include <string>

#include "vgpu/shared_region.h"

namespace fastgpu::vgpu {

// How recent a launch must be for its vGPU to count as active.
inline constexpr int64_t kActiveWindowNs = 100'000'000;

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

 private:
  struct Layout;
  DeviceBoard(SharedRegion region, uint64_t tag, int entry);
  Layout* layout() const;

  SharedRegion region_;
  uint64_t tag_;
  int entry_;
};

}  // namespace fastgpu::vgpu
