#pragma once
// Group commit: many concurrent submitters share one transaction, hence one fsync.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

#include "store/store.h"

namespace fastgpu {

/// A Writer in front of another Writer (usually a Store) that merges the write() calls of
/// concurrent threads into one downstream write(), i.e. one transaction and one fsync for many
/// acknowledgements. Each caller blocks until the transaction holding its requests has
/// committed (or failed) and then gets its own results, exactly as from the downstream Writer:
/// a refused request of one caller never affects another caller's requests.
///
/// There is no background thread: the first waiting caller leads, committing everything queued
/// at that moment (up to Options::max_requests) while later callers queue up behind it for the
/// next group (LevelDB's writer queue). With one caller at a time it adds no latency.
///
/// Thread-safe. `downstream` is not owned and must outlive the BatchWriter; the BatchWriter must
/// not be destroyed while a write() is in progress.
class BatchWriter final : public Writer {
 public:
  struct Options {
    /// Most requests merged into one downstream write. A caller's own requests are never split,
    /// so one group may exceed it when a single caller brings more.
    size_t max_requests = 4096;
  };

  /// Counters since construction; for metrics and tests.
  struct Stats {
    uint64_t commits = 0;   // downstream writes
    uint64_t callers = 0;   // write() calls served
    uint64_t requests = 0;  // requests served
  };

  explicit BatchWriter(Writer* downstream) : BatchWriter(downstream, Options{}) {}
  BatchWriter(Writer* downstream, Options options);

  Status write(std::vector<WriteRequest> requests, std::vector<WriteResult>* results) override;

  /// A snapshot of the counters.
  Stats stats() const;

 private:
  struct Caller;

  // Gathers the callers to commit with the leader at the queue's front. Needs mu_ held.
  std::vector<Caller*> take_group() const;
  // Commits the group's requests downstream and hands each caller its results; returns the
  // number of requests. Runs unlocked.
  size_t commit_group(const std::vector<Caller*>& group);

  Writer* const downstream_;
  const Options options_;
  mutable std::mutex mu_;
  std::deque<Caller*> queue_;  // front: the current leader
  Stats stats_;
};

}  // namespace fastgpu
