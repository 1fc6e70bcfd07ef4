#include "store/connection_pool.h"

#include <utility>

namespace fastgpu {

Status ConnectionPool::with_connection(const std::function<Status(SqlConnection*)>& body) {
  std::unique_ptr<SqlConnection> db;
  if (Status s = acquire(&db); !s.is_ok()) return s;
  Status s = body(db.get());
  if (!db->broken()) {
    release(std::move(db));
    return s;
  }
  // Idle connections break unnoticed (the server restarted); a fresh one gets one more try.
  if (Status opened = open_(&db); !opened.is_ok()) return s;
  s = body(db.get());
  if (!db->broken()) release(std::move(db));
  return s;
}

Status ConnectionPool::acquire(std::unique_ptr<SqlConnection>* db) {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      *db = std::move(idle_.back());
      idle_.pop_back();
      return Status::ok();
    }
  }
  return open_(db);
}

void ConnectionPool::release(std::unique_ptr<SqlConnection> db) {
  std::lock_guard lock(mu_);
  idle_.push_back(std::move(db));
}

}  // namespace fastgpu
