#include "vgpu/launch_timer.h"

namespace fastgpu::vgpu {

CUresult LaunchTimer::record(CUevent event, CUstream stream, bool per_thread) const {
  if (per_thread) {
    auto fn = driver_->get<DriverFn::cuEventRecord_ptsz>();
    if (fn != nullptr) return fn(event, stream);
    if (stream == nullptr) stream = CU_STREAM_PER_THREAD;
  }
  return driver_->get<DriverFn::cuEventRecord>()(event, stream);
}

bool LaunchTimer::take_pair(CUcontext context, Pair* pair) {
  auto& pool = free_[context];
  if (!pool.empty()) {
    *pair = pool.back();
    pool.pop_back();
    return true;
  }
  auto create = driver_->get<DriverFn::cuEventCreate>();
  pair->context = context;
  if (create(&pair->start, CU_EVENT_DEFAULT) != CUDA_SUCCESS) return false;
  if (create(&pair->stop, CU_EVENT_DEFAULT) != CUDA_SUCCESS) {
    driver_->get<DriverFn::cuEventDestroy_v2>()(pair->start);
    return false;
  }
  return true;
}

void LaunchTimer::give_back(const Pair& pair) { free_[pair.context].push_back(pair); }

// Events that failed to record may belong to a destroyed context: never reuse them.
void LaunchTimer::discard(const Pair& pair) {
  auto destroy = driver_->get<DriverFn::cuEventDestroy_v2>();
  destroy(pair.start);
  destroy(pair.stop);
}

int LaunchTimer::begin(CUstream stream, bool per_thread) {
  if (driver_->get<DriverFn::cuEventCreate>() == nullptr ||
      driver_->get<DriverFn::cuEventElapsedTime_v2>() == nullptr) {
    return -1;
  }
  CUcontext context = nullptr;
  if (driver_->get<DriverFn::cuCtxGetCurrent>()(&context) != CUDA_SUCCESS) return -1;
  std::lock_guard lock(mutex_);
  Pair pair;
  if (!take_pair(context, &pair)) return -1;
  if (record(pair.start, stream, per_thread) != CUDA_SUCCESS) {
    discard(pair);
    return -1;
  }
  const int ticket = next_ticket_++;
  open_[ticket] = pair;
  return ticket;
}

void LaunchTimer::end(int ticket, CUstream stream, bool per_thread, uint64_t key, bool charge) {
  std::lock_guard lock(mutex_);
  auto found = open_.find(ticket);
  if (found == open_.end()) return;
  Pair pair = found->second;
  open_.erase(found);
  if (record(pair.stop, stream, per_thread) != CUDA_SUCCESS) {
    discard(pair);
    return;
  }
  pair.key = key;
  pair.charge = charge;
  pending_.push_back(pair);
  pending_count_.store(static_cast<int>(pending_.size()), std::memory_order_relaxed);
}

void LaunchTimer::abandon(int ticket) {
  std::lock_guard lock(mutex_);
  auto found = open_.find(ticket);
  if (found == open_.end()) return;
  give_back(found->second);
  open_.erase(found);
}

void LaunchTimer::collect(std::vector<LaunchSample>* out, int limit) {
  std::lock_guard lock(mutex_);
  auto query = driver_->get<DriverFn::cuEventQuery>();
  auto elapsed = driver_->get<DriverFn::cuEventElapsedTime_v2>();
  while (!pending_.empty() && limit-- > 0) {
    const Pair& pair = pending_.front();
    const CUresult state = query(pair.stop);
    if (state == CUDA_ERROR_NOT_READY) break;
    float ms = 0;
    if (state == CUDA_SUCCESS && elapsed(&ms, pair.start, pair.stop) == CUDA_SUCCESS) {
      out->push_back({pair.key, static_cast<int64_t>(ms * 1e6), pair.charge});
      give_back(pair);
    } else {
      discard(pair);
    }
    pending_.pop_front();
  }
  pending_count_.store(static_cast<int>(pending_.size()), std::memory_order_relaxed);
}

}  // namespace fastgpu::vgpu
