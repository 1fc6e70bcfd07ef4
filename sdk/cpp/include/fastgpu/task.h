#pragma once
// Tasks of the C++ SDK: a command or a synthetic load, with the resources it needs.

#include <optional>
#include <string>
#include <vector>

#include "fastgpu/client.h"

namespace fastgpu {
inline namespace sdk {

/// Work for a vGPU or for the pool. Task(20, 5) is a synthetic load holding 20 TFLOPS for 5 s;
/// Task::command({"python3", "train.py"}).gpu(0.5).memory("8GiB") runs a command on half a GPU.
/// After submission, id() is set and status(), wait(), logs() and cancel() ask the daemon.
class Task {
 public:
  Task(double tflops, double seconds);
  static Task command(std::vector<std::string> argv);

  // Request fields (docs/API.md); each returns *this for chaining.
  Task& gpu(double fraction);
  Task& gpus(int count);
  Task& tflops(double tflops);
  Task& memory(const std::string& quantity);
  Task& priority(int priority);
  Task& name(const std::string& name);
  Task& env(const std::string& key, const std::string& value);
  Task& max_retries(int retries);
  /// Lets projects below their fair share stop this task to reclaim its GPUs (it is requeued).
  Task& preemptible(bool preemptible = true);

  /// Submits to vGPU `vgpu` (0: the pool) through `client` (null: the default client).
  Task& submit(int64_t vgpu = 0, Client* client = nullptr);

  int64_t id() const { return id_; }
  /// The request as it will be sent.
  const nlohmann::json& request() const { return request_; }
  /// The record as last read from the daemon.
  const nlohmann::json& record() const { return record_; }
  /// The state now: pending, running, succeeded, failed, cancelled, lost.
  std::string status();
  /// Blocks until the task finishes (or `timeout_seconds` pass, when >= 0); returns its state.
  std::string wait(double timeout_seconds = -1);
  /// The task's stdout (or stderr) so far.
  std::string logs(const std::string& stream = "stdout");
  /// Cancels the task.
  void cancel();

 private:
  Task() = default;
  Client& client() const;
  int64_t need_id() const;

  nlohmann::json request_ = nlohmann::json::object();
  nlohmann::json record_;
  Client* client_ = nullptr;
  int64_t id_ = 0;
};

/// Submits `task` to the pool (no vGPU); returns it.
Task& submit(Task& task, Client* client = nullptr);

/// True when a task record will not change any more.
bool is_final(const nlohmann::json& record);

}  // namespace sdk
}  // namespace fastgpu
