#pragma once
// The threads that serve fastgpud's HTTP connections: as many as there are connections at once,
// up to a ceiling, instead of cpp-httplib's fixed pool, which a few slow clients could fill.

#include <httplib.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>

namespace fastgpu {

/// A cpp-httplib task queue (one job = one connection, served to its end) that starts a thread
/// whenever a job arrives and no thread is idle, up to `max_threads`; past that, jobs wait in
/// order. Threads beyond `warm_threads` end after 30 s without work. Thread-safe.
class ElasticThreadPool final : public httplib::TaskQueue {
 public:
  ElasticThreadPool(size_t warm_threads, size_t max_threads);
  ~ElasticThreadPool() override;

  void enqueue(std::function<void()> job) override;
  /// Runs the jobs already queued, then ends every thread; returns once they have ended.
  void shutdown() override;

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
