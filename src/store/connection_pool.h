#pragma once
// A pool of read connections: one per concurrent reader, opened on demand and kept for reuse.

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "core/status.h"
#include "store/sql_connection.h"

namespace fastgpu {

/// Hands each reader a connection of its own. Thread-safe.
class ConnectionPool {
 public:
  /// Opens one more connection into *out.
  using Opener = std::function<Status(std::unique_ptr<SqlConnection>* out)>;

  explicit ConnectionPool(Opener open) : open_(std::move(open)) {}

  /// Runs `body` on an idle connection (opening one when none is idle) and returns the
  /// connection to the pool afterwards, unless it broke. When `body` failed because its (idle,
  /// reused) connection had broken, runs it once more on a new connection: `body` must be
  /// idempotent (a read). Returns body's status, or the error of opening a connection.
  Status with_connection(const std::function<Status(SqlConnection*)>& body);

 private:
  Status acquire(std::unique_ptr<SqlConnection>* db);
  void release(std::unique_ptr<SqlConnection> db);

  const Opener open_;
  std::mutex mu_;  // guards idle_
  std::vector<std::unique_ptr<SqlConnection>> idle_;
};

}  // namespace fastgpu
