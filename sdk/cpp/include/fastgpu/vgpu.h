#pragma once
// Virtual GPUs of the C++ SDK: a reserved slice of one GPU that tasks share.

#include <optional>
#include <string>

#include "fastgpu/client.h"
#include "fastgpu/task.h"

namespace fastgpu {
inline namespace sdk {

/// How a vGPU's size is given.
enum class Unit { tflops, gpu };

/// A slice of one GPU held by fastgpud. Tasks submitted to it run concurrently while the sum of
/// their demands fits; the others wait their turn.
class VirtualGPU {
 public:
  /// Reserves `amount` TFLOPS or fraction of a GPU, with `memory` ("16GiB") when given.
  static VirtualGPU create(double amount, Unit unit, const std::optional<std::string>& memory = {},
                           Client* client = nullptr);

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
};

}  // namespace sdk
}  // namespace fastgpu
