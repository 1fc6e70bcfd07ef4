#include "store/postgres_leader_lease.h"

#include <string>
#include <utility>

namespace fastgpu {
namespace {

// The server probes the lease's client every second and drops the session (freeing the lock)
// after two unanswered probes. Ignored on Unix sockets, where a dead peer is seen at once.
constexpr const char* kKeepalives =
    "SET tcp_keepalives_idle = 1; SET tcp_keepalives_interval = 1; SET tcp_keepalives_count = 2;";

}  // namespace

Status PostgresLeaderLease::open(const std::string& url, int64_t key,
                                 std::unique_ptr<PostgresLeaderLease>* out) {
  std::unique_ptr<PgConnection> conn;
  if (Status s = PgConnection::open(url, &conn); !s.is_ok()) return s;
  if (Status s = conn->exec(kKeepalives); !s.is_ok()) return s;
  out->reset(new PostgresLeaderLease(std::move(conn), key));
  return Status::ok();
}

Status PostgresLeaderLease::ask(const char* function, bool* answer) {
  *answer = false;
  std::unique_ptr<SqlQuery> query = conn_->query("SELECT " + std::string(function) + "(?)");
  query->bind(key_);
  if (!query->next_row()) {
    return query->status().is_ok() ? Status::io_error("postgresql: lock query returned nothing")
                                   : query->status();
  }
  *answer = query->column_text() == "t";
  return query->status();
}

Status PostgresLeaderLease::try_acquire(bool* leader) {
  *leader = false;
  if (conn_->broken()) {
    leading_ = false;  // the server freed the lock with the session
    if (Status s = conn_->reconnect_if_broken(); !s.is_ok()) return s;
    if (Status s = conn_->exec(kKeepalives); !s.is_ok()) return s;
  }
  if (leading_) {
    *leader = held();
    return Status::ok();
  }
  if (Status s = ask("pg_try_advisory_lock", &leading_); !s.is_ok()) return s;
  *leader = leading_;
  return Status::ok();
}

bool PostgresLeaderLease::held() {
  if (!leading_) return false;
  if (!conn_->exec("SELECT 1").is_ok() || conn_->broken()) leading_ = false;
  return leading_;
}

void PostgresLeaderLease::release() {
  if (!leading_) return;
  bool unlocked = false;
  ask("pg_advisory_unlock", &unlocked);
  leading_ = false;
}

}  // namespace fastgpu
