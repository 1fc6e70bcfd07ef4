#include "server/loop/completion_board.h"

namespace fastgpu {

void CompletionBoard::add(TaskId id, VgpuId vgpu) {
  std::lock_guard lock(mu_);
  if (unfinished_.emplace(id, vgpu).second) count_by_vgpu_[vgpu] += 1;
}

void CompletionBoard::wake(std::unordered_map<int64_t, Waiters>& waiters, int64_t key) {
  if (auto it = waiters.find(key); it != waiters.end()) it->second.woken.notify_all();
}

void CompletionBoard::finish(TaskId id) {
  // Notified under the lock: a waiter removes its entry only while holding it.
  std::lock_guard lock(mu_);
  auto it = unfinished_.find(id);
  if (it == unfinished_.end()) return;
  const VgpuId vgpu = it->second;
  unfinished_.erase(it);
  wake(task_waiters_, id);
  if (--count_by_vgpu_[vgpu] == 0) {
    count_by_vgpu_.erase(vgpu);
    wake(vgpu_waiters_, vgpu);
  }
}

template <typename Done>
void CompletionBoard::wait_on(std::unordered_map<int64_t, Waiters>& waiters, int64_t key,
                              std::unique_lock<std::mutex>& lock, std::chrono::milliseconds timeout,
                              Done done) {
  if (closed_ || done()) return;
  Waiters& entry = waiters[key];  // a node of the map: stays put while others come and go
  entry.count += 1;
  entry.woken.wait_for(lock, timeout, [&] { return closed_ || done(); });
  if (--entry.count == 0) waiters.erase(key);
}

bool CompletionBoard::wait_task(TaskId id, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  const auto finished = [&] { return !unfinished_.contains(id); };
  wait_on(task_waiters_, id, lock, timeout, finished);
  return finished();
}

bool CompletionBoard::wait_vgpu(VgpuId vgpu, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  const auto idle = [&] { return !count_by_vgpu_.contains(vgpu); };
  wait_on(vgpu_waiters_, vgpu, lock, timeout, idle);
  return idle();
}

int CompletionBoard::unfinished_in(VgpuId vgpu) const {
  std::lock_guard lock(mu_);
  auto it = count_by_vgpu_.find(vgpu);
  return it == count_by_vgpu_.end() ? 0 : it->second;
}

void CompletionBoard::close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  for (auto* waiters : {&task_waiters_, &vgpu_waiters_}) {
    for (auto& [key, entry] : *waiters) entry.woken.notify_all();
  }
}

}  // namespace fastgpu
