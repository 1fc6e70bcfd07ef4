#include "server/completion_board.h"

namespace fastgpu {

void CompletionBoard::add(TaskId id, VgpuId vgpu) {
  std::lock_guard lock(mu_);
  if (unfinished_.emplace(id, vgpu).second) count_by_vgpu_[vgpu] += 1;
}

void CompletionBoard::finish(TaskId id) {
  {
    std::lock_guard lock(mu_);
    auto it = unfinished_.find(id);
    if (it == unfinished_.end()) return;
    if (--count_by_vgpu_[it->second] == 0) count_by_vgpu_.erase(it->second);
    unfinished_.erase(it);
  }
  changed_.notify_all();
}

bool CompletionBoard::wait_task(TaskId id, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  changed_.wait_for(lock, timeout, [&] { return closed_ || !unfinished_.contains(id); });
  return !unfinished_.contains(id);
}

bool CompletionBoard::wait_vgpu(VgpuId vgpu, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  changed_.wait_for(lock, timeout, [&] { return closed_ || !count_by_vgpu_.contains(vgpu); });
  return !count_by_vgpu_.contains(vgpu);
}

int CompletionBoard::unfinished_in(VgpuId vgpu) const {
  std::lock_guard lock(mu_);
  auto it = count_by_vgpu_.find(vgpu);
  return it == count_by_vgpu_.end() ? 0 : it->second;
}

void CompletionBoard::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  changed_.notify_all();
}

}  // namespace fastgpu
