#pragma once
// Leadership among the fastgpud replicas of one store: exactly one of them schedules, the
// others serve reads and keep trying, so one takes over when the leader dies.

#include <memory>
#include <string>

#include "core/status.h"

namespace fastgpu {

/// One replica's claim to leadership. Not thread-safe: one thread (the replica's leadership
/// loop) uses it. A replica schedules only while try_acquire() last said it leads and held()
/// still says so.
class LeaderLease {
 public:
  virtual ~LeaderLease() = default;

  /// Becomes leader if no one else is, without waiting; *leader tells whether this lease leads
  /// now. Calling it again while leading keeps leadership. kIoError when the store cannot be
  /// reached (*leader is then false).
  virtual Status try_acquire(bool* leader) = 0;

  /// Whether this lease still leads: false once it was released or lost (for PostgreSQL: its
  /// connection died, so the server has freed the lock for another replica).
  virtual bool held() = 0;

  /// Gives leadership up, letting another replica take it.
  virtual void release() = 0;
};

/// The lease of a store only one process uses (SQLite): always the leader.
class SoleLeaderLease final : public LeaderLease {
 public:
  Status try_acquire(bool* leader) override;
  bool held() override { return held_; }
  void release() override { held_ = false; }

 private:
  bool held_ = false;
};

/// The lease for the store `spec` names (as open_store() reads it): a PostgresLeaderLease on a
/// postgresql:// URL, else a SoleLeaderLease.
Status open_leader_lease(const std::string& spec, std::unique_ptr<LeaderLease>* out);

}  // namespace fastgpu
