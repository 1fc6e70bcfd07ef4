#include "runtime/launch_worker.h"

#include <pthread.h>

#include <algorithm>
#include <utility>

namespace fastgpu {

LaunchWorker::LaunchWorker(Deliver deliver, int threads) : deliver_(std::move(deliver)) {
  for (int i = 0; i < std::max(1, threads); ++i) {
    threads_.emplace_back([this] {
      pthread_setname_np(pthread_self(), "launch");  // as `top -H` and perf show it
      run();
    });
  }
}

LaunchWorker::~LaunchWorker() { close(); }

bool LaunchWorker::enqueue(LaunchJob job) {
  {
    std::lock_guard lock(mu_);
    if (closing_) return false;
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

void LaunchWorker::close() {
  {
    std::lock_guard lock(mu_);
    closing_ = true;
  }
  cv_.notify_all();
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

void LaunchWorker::run() {
  for (;;) {
    LaunchJob job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return closing_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // closing, and nothing left to start
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    LaunchOutcome outcome;
    outcome.tag = job.tag;
    outcome.status = job.prepare ? job.prepare(&job.spec) : Status::ok();
    if (outcome.status.is_ok()) outcome.status = launch_process(job.spec, &outcome.process);
    deliver_(std::move(outcome));
  }
}

}  // namespace fastgpu
