#include "lease_renewal.h"

#include <algorithm>

namespace fastgpu {
inline namespace sdk {

LeaseRenewal::LeaseRenewal(const Client& client, int64_t id, double period_seconds)
    : client_(client),
      id_(id),
      every_(std::max<int64_t>(100, static_cast<int64_t>(period_seconds * 1000 / 3))),
      thread_([this](std::stop_token stop) { run(stop); }) {}

LeaseRenewal::~LeaseRenewal() {
  thread_.request_stop();
  thread_.join();
  if (released_) return;
  try {
    client_.request("POST", "/v1/vgpus/" + std::to_string(id_) + "/release",
                    nlohmann::json::object(), {}, 2);
  } catch (const Error&) {
    // Gone already, or the daemon is down: the lease lapses on its own.
  }
}

void LeaseRenewal::run(std::stop_token stop) {
  std::unique_lock lock(mu_);
  const int timeout_seconds = static_cast<int>(std::max<int64_t>(1, every_.count() / 1000));
  for (;;) {
    wake_.wait_for(lock, stop, every_, [] { return false; });  // only a stop ends it early
    if (stop.stop_requested()) return;
    lock.unlock();
    try {
      client_.request("POST", "/v1/vgpus/" + std::to_string(id_) + "/renew",
                      nlohmann::json::object(), {}, timeout_seconds);
    } catch (const Error& e) {
      if (e.status() == 404) return;  // deleted: nothing left to keep
    } catch (const std::exception&) {
      // An answer that is not JSON: try again next period.
    }
    lock.lock();
  }
}

}  // namespace sdk
}  // namespace fastgpu
