#pragma once
// Leadership over a PostgreSQL store: a session-level advisory lock on a connection of its own.

#include <cstdint>
#include <memory>
#include <string>

#include "store/leader_lease.h"
#include "store/postgres_conn.h"

namespace fastgpu {

/// Leads while its dedicated connection holds pg_advisory_lock(key). The server frees the lock
/// the moment that session ends: when the process exits or dies, when the connection is closed,
/// or when the server drops it (the session asks for TCP keepalives every second, so a peer that
/// vanished is detected in about 3 s). A follower polling try_acquire() every second or so thus
/// takes over within 5 s of the leader's death.
class PostgresLeaderLease final : public LeaderLease {
 public:
  /// The advisory lock key fastgpud's replicas share (locks are per database).
  static constexpr int64_t kDefaultKey = 0x66677075'6c656164;  // "fgpulead"

  /// Connects to `url` for the lease (validated like PostgresStore::open's). Does not lock yet.
  static Status open(const std::string& url, int64_t key,
                     std::unique_ptr<PostgresLeaderLease>* out);

  /// Takes the lock if free (pg_try_advisory_lock). After the connection broke, leadership is
  /// lost: this reconnects and tries again.
  Status try_acquire(bool* leader) override;
  /// Leading, and the connection still answers (one round trip to the server).
  bool held() override;
  /// Unlocks (pg_advisory_unlock), keeping the connection for a later try_acquire().
  void release() override;

 private:
  PostgresLeaderLease(std::unique_ptr<PgConnection> conn, int64_t key)
      : conn_(std::move(conn)), key_(key) {}

  // Runs `function`(key) and reads its boolean answer.
  Status ask(const char* function, bool* answer);

  std::unique_ptr<PgConnection> conn_;
  const int64_t key_;
  bool leading_ = false;
};

}  // namespace fastgpu
