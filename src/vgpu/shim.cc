#include "vgpu/shim.h"

#include <pthread.h>

#include <cstdlib>

#include "vgpu/vgpu_log.h"

namespace fastgpu::vgpu {

Shim& Shim::get() {
  static Shim* const instance = new Shim();  // immortal: see the class comment
  return *instance;
}

Shim::Shim() {
  std::string error;
  ready_ = initialise(&error);
  if (!ready_) log_error("%s; CUDA calls will fail", error.c_str());
}

bool Shim::initialise(std::string* error) {
  // A confined task's slice comes from the file its launcher bind-mounted: not from its env.
  const std::optional<EnvLookup> env = slice_environment(kSliceFile, error);
  if (!env) return false;
  auto parsed = parse_vgpu_config(*env, error);
  if (!parsed) return false;
  config_ = *parsed;
  if (!driver_.open(config_.driver_path, error)) return false;
  if (config_.vgpu_id.empty()) return true;
  ledger_ = VgpuLedger::attach(config_, error);
  if (ledger_ == nullptr) return false;
  std::string board_error;
  auto board = DeviceBoard::open(config_.device_key, config_.vgpu_id, &board_error);
  if (board == nullptr) log_error("no burst detection: %s", board_error.c_str());
  std::optional<ComputeBudget> budget;
  if (ledger_->compute_share() < 1000) {
    budget.emplace(ledger_->budget(), ledger_->compute_share());
  }
  throttle_ = std::make_unique<LaunchThrottle>(&driver_, budget, std::move(board), config_.burst);
  if (config_.stats) throttle_->count_for_report();
  std::atexit(&Shim::on_exit);
  pthread_atfork(nullptr, nullptr, &Shim::on_fork_child);
  return true;
}

void Shim::on_exit() {
  Shim& shim = get();
  if (shim.config_.stats && shim.throttle_ != nullptr) {
    log_error("%s", shim.throttle_->report().c_str());
  }
  if (shim.ledger_ != nullptr) shim.ledger_->detach();
}

void Shim::on_fork_child() {
  Shim& shim = get();
  shim.allocations_.clear();
  std::string error;
  if (shim.ledger_ != nullptr && !shim.ledger_->reattach_after_fork(&error)) {
    log_error("after fork: %s", error.c_str());
  }
}

}  // namespace fastgpu::vgpu
