#include "store/batch_writer.h"

#include <utility>

namespace fastgpu {

// A write() call waiting in the queue. Lives on the caller's stack.
struct BatchWriter::Caller {
  std::vector<WriteRequest> requests;
  std::vector<WriteResult>* results = nullptr;
  Status status;
  bool done = false;
  std::condition_variable cv;
};

BatchWriter::BatchWriter(Writer* downstream, Options options)
    : downstream_(downstream), options_(options) {}

Status BatchWriter::write(std::vector<WriteRequest> requests, std::vector<WriteResult>* results) {
  Caller self;
  self.requests = std::move(requests);
  self.results = results;

  std::unique_lock lock(mu_);
  queue_.push_back(&self);
  self.cv.wait(lock, [&] { return self.done || queue_.front() == &self; });
  if (self.done) return self.status;

  // This caller leads: commit a group that starts with it.
  const std::vector<Caller*> group = take_group();
  lock.unlock();
  const size_t committed = commit_group(group);
  lock.lock();

  for (Caller* c : group) {
    queue_.pop_front();
    c->done = true;
    if (c != &self) c->cv.notify_one();
  }
  ++stats_.commits;
  stats_.callers += group.size();
  stats_.requests += committed;
  if (!queue_.empty()) queue_.front()->cv.notify_one();  // the next leader
  return self.status;
}

std::vector<BatchWriter::Caller*> BatchWriter::take_group() const {
  std::vector<Caller*> group;
  size_t requests = 0;
  for (Caller* c : queue_) {
    if (!group.empty() && requests + c->requests.size() > options_.max_requests) break;
    group.push_back(c);
    requests += c->requests.size();
  }
  return group;
}

size_t BatchWriter::commit_group(const std::vector<Caller*>& group) {
  std::vector<WriteRequest> merged;
  for (Caller* c : group) {
    for (WriteRequest& r : c->requests) merged.push_back(std::move(r));
  }
  const size_t merged_count = merged.size();
  std::vector<WriteResult> results;
  const Status status = downstream_->write(std::move(merged), &results);
  results.resize(merged_count);  // a downstream that failed early may leave it short

  size_t next = 0;
  for (Caller* c : group) {
    c->results->clear();
    for (size_t i = 0; i < c->requests.size(); ++i) {
      WriteResult& r = results[next++];
      if (!status.is_ok()) r.status = status;
      c->results->push_back(std::move(r));
    }
    c->status = status;
  }
  return merged_count;
}

BatchWriter::Stats BatchWriter::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace fastgpu
