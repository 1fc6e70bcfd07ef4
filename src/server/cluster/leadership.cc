#include "server/cluster/leadership.h"

#include <utility>

namespace fastgpu {

Leadership::Leadership(std::unique_ptr<LeaderLease> lease, std::chrono::milliseconds poll)
    : lease_(std::move(lease)), poll_(poll) {}

Leadership::~Leadership() { stop(); }

Status Leadership::start(std::function<Status()> on_lead,
                         std::function<void(const Status&)> on_lost) {
  if (try_win()) {
    if (Status s = on_lead(); !s.is_ok()) return s;
    leading_.store(true, std::memory_order_release);
    thread_ = std::thread([this, on_lost = std::move(on_lost)] { watch(on_lost); });
    return Status::ok();
  }
  thread_ = std::thread([this, on_lead = std::move(on_lead), on_lost = std::move(on_lost)] {
    run(on_lead, on_lost);
  });
  return Status::ok();
}

void Leadership::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (lease_) lease_->release();
}

bool Leadership::pause() {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, poll_, [this] { return stopping_; });
}

bool Leadership::try_win() {
  bool won = false;
  return lease_->try_acquire(&won).is_ok() && won;
}

void Leadership::run(const std::function<Status()>& on_lead,
                     const std::function<void(const Status&)>& on_lost) {
  while (!try_win()) {
    if (!pause()) return;
  }
  if (Status s = on_lead(); !s.is_ok()) return on_lost(s);
  leading_.store(true, std::memory_order_release);
  watch(on_lost);
}

void Leadership::watch(const std::function<void(const Status&)>& on_lost) {
  while (pause()) {
    if (!lease_->held()) {
      leading_.store(false, std::memory_order_release);
      return on_lost(Status::io_error("the leader lease was lost (its store connection failed)"));
    }
  }
}

}  // namespace fastgpu
