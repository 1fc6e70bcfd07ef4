#include "server/api/elastic_thread_pool.h"

#include <algorithm>
#include <chrono>
#include <system_error>
#include <thread>

namespace fastgpu {
namespace {

// How long a thread above the warm count waits for work before it ends.
constexpr std::chrono::seconds kIdleEnd{30};

}  // namespace

ElasticThreadPool::ElasticThreadPool(size_t warm_threads, size_t max_threads)
    : warm_threads_(warm_threads), max_threads_(std::max<size_t>(1, max_threads)) {}

ElasticThreadPool::~ElasticThreadPool() { shutdown(); }

void ElasticThreadPool::enqueue(std::function<void()> job) {
  std::lock_guard lock(mu_);
  jobs_.push_back(std::move(job));
  if (idle_ >= jobs_.size()) {
    work_ready_.notify_one();
    return;
  }
  if (threads_ < max_threads_) {
    try {
      std::thread([this] { work(); }).detach();
      threads_ += 1;
    } catch (const std::system_error&) {
      // The system has no thread to give now: the job waits for one of ours to be free.
    }
  }
}

void ElasticThreadPool::work() {
  std::unique_lock lock(mu_);
  for (;;) {
    idle_ += 1;
    const bool woken =
        work_ready_.wait_for(lock, kIdleEnd, [&] { return stopping_ || !jobs_.empty(); });
    idle_ -= 1;
    if (jobs_.empty() && (stopping_ || (!woken && threads_ > warm_threads_))) break;
    if (jobs_.empty()) continue;
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
  threads_ -= 1;
  if (threads_ == 0) all_ended_.notify_all();
}

void ElasticThreadPool::shutdown() {
  std::unique_lock lock(mu_);
  stopping_ = true;
  work_ready_.notify_all();
  all_ended_.wait(lock, [&] { return threads_ == 0; });
}

}  // namespace fastgpu
