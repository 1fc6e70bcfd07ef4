#pragma once
// The process-wide state of libfastgpu-vgpu, built on the first intercepted call: the contract
// read from the environment, the real driver, this process's entry in the vGPU's ledger, its
// allocations and its launch throttle. It is never destroyed (other threads may still be
// inside the driver while the process exits); at exit it only gives its memory back.
#include <memory>
#include <string>

#include "vgpu/allocation_table.h"
#include "vgpu/launch_throttle.h"
#include "vgpu/real_driver.h"
#include "vgpu/vgpu_config.h"
#include "vgpu/vgpu_ledger.h"

namespace fastgpu::vgpu {

class Shim {
 public:
  // The one instance, initialised on first use (thread-safe).
  static Shim& get();

  // False when the contract was malformed or the driver could not be opened: every hook then
  // answers CUDA_ERROR_NOT_INITIALIZED (a task must not run unenforced).
  bool ready() const { return ready_; }

  const VgpuConfig& config() const { return config_; }
  const RealDriver& driver() const { return driver_; }
  // Null unless the vGPU has a memory limit.
  VgpuLedger* memory_ledger() const { return config_.enforces_memory() ? ledger_.get() : nullptr; }
  // Null unless the process belongs to a vGPU.
  LaunchThrottle* throttle() const { return throttle_.get(); }
  AllocationTable& allocations() { return allocations_; }

 private:
  Shim();
  bool initialise(std::string* error);
  static void on_exit();
  static void on_fork_child();

  bool ready_ = false;
  VgpuConfig config_;
  RealDriver driver_;
  std::unique_ptr<VgpuLedger> ledger_;
  std::unique_ptr<LaunchThrottle> throttle_;
  AllocationTable allocations_;
};

}  // namespace fastgpu::vgpu
