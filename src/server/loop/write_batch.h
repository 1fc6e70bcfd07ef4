#pragma once
// The writes of one scheduler iteration, committed as one transaction, each with what to do
// once its outcome is known.

#include <functional>
#include <vector>

#include "store/store.h"

namespace fastgpu {

/// Collects writes and their continuations; commit() writes them all at once and then runs every
/// continuation, in order, with its request's result (or the commit error). Not thread-safe.
class WriteBatch {
 public:
  using Continuation = std::function<void(const WriteResult&)>;

  /// Queues `request`; `then` runs after the commit.
  void add(WriteRequest request, Continuation then);

  bool empty() const { return requests_.empty(); }

  /// Commits everything queued through `writer` and runs the continuations; returns the commit
  /// status. The batch is empty afterwards.
  Status commit(Writer* writer);

 private:
  std::vector<WriteRequest> requests_;
  std::vector<Continuation> continuations_;
};

}  // namespace fastgpu
