#pragma once
// How many long-polls (task and vGPU waits, log follows) may wait at once: each holds an HTTP
// thread and a connection, so one user, or all of them, must not hold so many that nothing
// else is served.

#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "server/api/api_error.h"

namespace fastgpu {

/// Counts the long-polls in progress, per user and in all. Thread-safe.
class LongPollGate {
 public:
  /// At most `per_user` long-polls of one user and `total` of everyone at once.
  LongPollGate(size_t per_user, size_t total) : per_user_(per_user), total_(total) {}

  /// One long-poll let in; it leaves the gate when destroyed. Move-only.
  class Pass {
   public:
    Pass(LongPollGate* gate, std::string user) : gate_(gate), user_(std::move(user)) {}
    Pass(Pass&& other) noexcept : gate_(other.gate_), user_(std::move(other.user_)) {
      other.gate_ = nullptr;
    }
    Pass(const Pass&) = delete;
    Pass& operator=(const Pass&) = delete;
    Pass& operator=(Pass&&) = delete;
    ~Pass();

   private:
    LongPollGate* gate_;
    std::string user_;
  };

  /// A pass for one more long-poll of `user`, or 429 naming the limit it would pass.
  ApiError enter(const std::string& user, std::optional<Pass>* pass);

 private:
  void leave(const std::string& user);
  const size_t per_user_;
  const size_t total_;
  std::mutex mu_;
  std::map<std::string, size_t> by_user_;
  size_t in_all_ = 0;
};

}  // namespace fastgpu
