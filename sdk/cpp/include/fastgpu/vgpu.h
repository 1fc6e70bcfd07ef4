#pragma once
// Virtual GPUs of the C++ SDK: a reserved slice of one GPU that tasks share.

#include <memory>
#include <optional>
#include <string>

#include "fastgpu/client.h"
#include "fastgpu/task.h"

namespace fastgpu {
inline namespace sdk {

/// How a vGPU's size is given.
enum class Unit { tflops, gpu };

class LeaseRenewal;

/// How a vGPU is given back without an explicit remove(), in seconds (empty: not that way).
struct Lifetime {
  /// Renewed in the background while the VirtualGPU lives, released when it is destroyed;
  /// fastgpud deletes the vGPU once it is released or not renewed this long, and its tasks
  /// have ended. Empty: the vGPU lives until removed.
  std::optional<double> lease_seconds = 30;
  std::optional<double> ttl_seconds;           // deleted this long after creation, tasks cancelled
  std::optional<double> idle_timeout_seconds;  // deleted after this long with no unfinished task
};

/// A slice of one GPU held by fastgpud. Tasks submitted to it run concurrently while the sum of
/// their demands fits; the others wait their turn. By default it lives as long as this object
/// (see Lifetime). Move-only.
class VirtualGPU {
 public:
  /// Reserves `amount` TFLOPS or fraction of a GPU, with `memory` ("16GiB") when given.
  static VirtualGPU create(double amount, Unit unit, const std::optional<std::string>& memory = {},
                           Client* client = nullptr, const Lifetime& lifetime = {});
  VirtualGPU(VirtualGPU&&) noexcept;
  VirtualGPU& operator=(VirtualGPU&&) noexcept;
  /// Releases the lease (if any): fastgpud deletes the vGPU once its tasks have ended.
  ~VirtualGPU();

  int64_t id() const { return id_; }
  const nlohmann::json& record() const { return record_; }

  /// Submits `task` to this vGPU; returns it.
  Task& submit_task(Task& task);
  /// Blocks until none of its tasks is unfinished (or `timeout_seconds` pass, when >= 0);
  /// returns the records of its tasks.
  nlohmann::json wait(double timeout_seconds = -1);
  /// Gives the slice back; refused while tasks run unless `force` (which cancels them).
  void remove(bool force = false);

 private:
  VirtualGPU(nlohmann::json record, Client* client);
  Client& client() const;

  nlohmann::json record_;
  int64_t id_ = 0;
  Client* client_ = nullptr;
  std::unique_ptr<LeaseRenewal> lease_;  // set while a lease is held
};

}  // namespace sdk
}  // namespace fastgpu
