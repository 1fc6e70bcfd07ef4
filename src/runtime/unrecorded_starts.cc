#include "runtime/unrecorded_starts.h"

#include <signal.h>

#include <chrono>

namespace fastgpu {
namespace {

void kill_group(const ProcessIdentity& leader) {
  if (is_same_process(leader)) ::kill(-leader.pid, SIGKILL);
}

}  // namespace

bool UnrecordedStarts::begin_launch() {
  std::lock_guard lock(mu_);
  ++in_flight_;
  return !abandoned_;
}

void UnrecordedStarts::end_launch(const ProcessIdentity& started) {
  std::lock_guard lock(mu_);
  --in_flight_;
  if (started.pid != 0) {
    if (abandoned_) {
      kill_group(started);
    } else {
      started_[started.pid] = started;
    }
  }
  idle_.notify_all();
}

void UnrecordedStarts::recorded(pid_t pid) {
  std::lock_guard lock(mu_);
  started_.erase(pid);
}

void UnrecordedStarts::abandon() {
  std::unique_lock lock(mu_);
  abandoned_ = true;
  idle_.wait_for(lock, std::chrono::seconds(2), [this] { return in_flight_ == 0; });
  for (const auto& [pid, identity] : started_) kill_group(identity);
  started_.clear();
}

}  // namespace fastgpu
