#include "server/loop/agent_outbox.h"

namespace fastgpu {

void AgentOutbox::set_epoch(int64_t epoch) {
  {
    std::lock_guard lock(mu_);
    epoch_ = epoch;
  }
  cv_.notify_all();
}

void AgentOutbox::clear() {
  {
    std::lock_guard lock(mu_);
    queued_ = SyncReply();
    starts_.clear();
  }
  cv_.notify_all();
}

void AgentOutbox::push_start(Assignment assignment) {
  {
    std::lock_guard lock(mu_);
    starts_.insert(assignment.task);
    queued_.start.push_back(std::move(assignment));
  }
  cv_.notify_all();
}

void AgentOutbox::push_stop(StopOrder order) {
  {
    std::lock_guard lock(mu_);
    queued_.stop.push_back(order);
  }
  cv_.notify_all();
}

bool AgentOutbox::holds_start(int64_t task) const {
  std::lock_guard lock(mu_);
  return starts_.contains(task);
}

SyncReply AgentOutbox::take(int64_t epoch, std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, wait,
               [&] { return epoch != epoch_ || !queued_.start.empty() || !queued_.stop.empty(); });
  SyncReply reply;
  if (epoch != epoch_) return reply;
  reply.start.swap(queued_.start);
  reply.stop.swap(queued_.stop);
  starts_.clear();
  return reply;
}

}  // namespace fastgpu
