#pragma once
// The owner lease of one vGPU, renewed in the background while its VirtualGPU lives.

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "fastgpu/client.h"

namespace fastgpu {
inline namespace sdk {

/// Renews vGPU `id`'s lease every third of `period_seconds` on its own thread. Destroying it
/// stops the thread and, unless dismiss() was called, releases the lease, after which fastgpud
/// deletes the vGPU once its tasks have ended. `client` must outlive it.
class LeaseRenewal {
 public:
  LeaseRenewal(const Client& client, int64_t id, double period_seconds);
  ~LeaseRenewal();
  LeaseRenewal(const LeaseRenewal&) = delete;
  LeaseRenewal& operator=(const LeaseRenewal&) = delete;

  /// The vGPU was deleted: stop renewing and release nothing.
  void dismiss() { released_ = true; }

 private:
  void run(std::stop_token stop);

  const Client& client_;
  const int64_t id_;
  const std::chrono::milliseconds every_;
  bool released_ = false;
  std::mutex mu_;
  std::condition_variable_any wake_;
  std::jthread thread_;  // last: started once the rest is set
};

}  // namespace sdk
}  // namespace fastgpu
