#pragma once
// The threads that serve fastgpud's HTTP requests: as many as there are requests at once, up
// to a ceiling, instead of a fixed pool, which a few long-polls could fill.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>

namespace fastgpu {

/// A pool (one job = one request, served to its end) that starts a thread whenever a job
/// arrives and no thread is idle, up to `max_threads`; past that, jobs wait in order. Threads
/// beyond `warm_threads` end after 30 s without work. Thread-safe.
class ElasticThreadPool final {
 public:
  ElasticThreadPool(size_t warm_threads, size_t max_threads);
  ~ElasticThreadPool();
  ElasticThreadPool(const ElasticThreadPool&) = delete;
  ElasticThreadPool& operator=(const ElasticThreadPool&) = delete;

  /// Runs `job` on a thread of the pool.
  void enqueue(std::function<void()> job);
  /// Runs the jobs already queued, then ends every thread; returns once they have ended.
  void shutdown();

 private:
  void work();
  const size_t warm_threads_;
  const size_t max_threads_;
  std::mutex mu_;
  std::condition_variable work_ready_;  // a job was queued, or shutdown began
  std::condition_variable all_ended_;   // the last thread ended
  std::deque<std::function<void()>> jobs_;
  size_t threads_ = 0;
  size_t idle_ = 0;
  bool stopping_ = false;
};

}  // namespace fastgpu
