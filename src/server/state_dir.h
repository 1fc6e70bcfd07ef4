#pragma once
// fastgpud's data directory: one daemon per directory, private modes, and the memory that a
// store was opened there before (so a lost database is noticed rather than started afresh).

#include <string>

#include "core/status.h"

namespace fastgpu {

/// A data directory this process holds exclusively (an flock on DIR/lock, which names the
/// holder's pid) until it is destroyed or the process ends. Move-only.
class StateDir {
 public:
  /// Makes `path` (and `path`/logs) when missing, checks that this user owns it, sets both to
  /// 0700 whatever the umask, and takes its lock. kFailedPrecondition
  /// naming the other daemon's pid when another process holds it.
  static Status claim(const std::string& path, StateDir* out);

  StateDir() = default;
  StateDir(StateDir&& other) noexcept;
  StateDir& operator=(StateDir&& other) noexcept;
  StateDir(const StateDir&) = delete;
  StateDir& operator=(const StateDir&) = delete;
  ~StateDir();

  const std::string& path() const { return path_; }

  /// Refuses the SQLite database at `db_path` when it is missing or empty (0 bytes) although
  /// this directory's daemon opened it before: SQLite would start it empty and every task, vGPU
  /// and account would be forgotten. `start_fresh` allows it. Sets the database's files that
  /// exist to 0600.
  Status check_sqlite_database(const std::string& db_path, bool start_fresh) const;

  /// Records that the SQLite database at `db_path` was opened (see check_sqlite_database).
  Status remember_sqlite_database(const std::string& db_path) const;

 private:
  std::string path_;
  int lock_fd_ = -1;
};

}  // namespace fastgpu
