#pragma once
// The embedded Store: one SQLite database file in WAL mode.

#include <memory>
#include <string>

#include "store/connection_pool.h"
#include "store/sql_store.h"
#include "store/sqlite_db.h"

namespace fastgpu {

/// Store on a SQLite file. Durability: every committed write() has been fsynced
/// (synchronous=FULL on a WAL journal), so what it acknowledged survives a crash of the process
/// or of the machine. Writes are serialised on one connection; each write() is one
/// transaction, so put a BatchWriter in front of it to share commits between threads.
/// Reads use a pool of further connections (one per concurrent reader, opened on demand and kept
/// for reuse) and run concurrently with writes, each seeing the database as of its start (WAL
/// snapshot).
///
/// The file's schema is versioned (PRAGMA user_version) and migrated at open. One process
/// should own a file at a time; a second process opening it is safe (SQLite locks) but waits on
/// the first's writes up to the busy timeout.
class SqliteStore final : public SqlStore {
 public:
  struct Options {
    /// How long a connection waits for another process's lock before failing with kIoError.
    int busy_timeout_ms = 5000;
  };

  /// Opens or creates the database at `path` and migrates it to the latest schema.
  /// kFailedPrecondition when the file was written by a newer build or SQLite's quick_check
  /// finds a damaged page (the message says how to recover); kIoError when it cannot be opened
  /// or is not a database. The directory must exist.
  static Status open(const std::string& path, const Options& options,
                     std::unique_ptr<SqliteStore>* out);
  static Status open(const std::string& path, std::unique_ptr<SqliteStore>* out) {
    return open(path, Options{}, out);
  }
  ~SqliteStore() override;

 protected:
  Status with_reader(const std::function<Status(SqlConnection*)>& body) override;
  Status begin_write() override;
  SqlConnection* writer() override { return writer_.get(); }
  Status commit_write() override;
  void rollback_write() override;
  WriteTxn::LastIdSql last_id_sql() const override;

 private:
  SqliteStore(const std::string& path, Options options, std::unique_ptr<SqliteDb> writer);

  std::unique_ptr<SqliteDb> writer_;  // used under SqlStore's write lock
  ConnectionPool readers_;
};

}  // namespace fastgpu
