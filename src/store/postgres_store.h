#pragma once
// The cluster Store: the same tables as SqliteStore, on a PostgreSQL server (libpq).

#include <memory>
#include <string>

#include "store/connection_pool.h"
#include "store/postgres_conn.h"
#include "store/sql_store.h"

namespace fastgpu {

/// Store on a PostgreSQL database, shared by every fastgpud replica of a cluster. Behaves as
/// SqliteStore does (same ids, sequences, validation and compare-and-set rules; the SQL is
/// shared). Durability: write() returns OK only after COMMIT returned with synchronous_commit on.
///
/// Writes are serialised on one connection per process, and between processes by an EXCLUSIVE
/// lock on the tables taken at the start of each write transaction, so ids grow in commit order
/// across replicas. Reads use a pool of further connections, one per concurrent reader, each
/// statement seeing every transaction committed before it started (READ COMMITTED). A
/// connection the server dropped while idle (restart, fail-over) is replaced transparently: a
/// write reconnects before it sends anything, a read runs again on a new connection. A
/// connection lost during a write fails that write with kIoError (whether it committed is then
/// unknown, as with any database).
///
/// The schema is versioned (table fastgpu_schema) and migrated at open, under an advisory lock.
class PostgresStore final : public SqlStore {
 public:
  /// Connects to `url` (postgresql://user:password@host:port/dbname?param=value) and migrates
  /// the database to the latest schema. kInvalidArgument for a malformed URL; kIoError when the
  /// server cannot be reached or refuses; kFailedPrecondition when a newer build wrote the schema.
  static Status open(const std::string& url, std::unique_ptr<PostgresStore>* out);
  ~PostgresStore() override;

 protected:
  Status with_reader(const std::function<Status(SqlConnection*)>& body) override;
  Status begin_write() override;
  SqlConnection* writer() override { return writer_.get(); }
  Status commit_write() override;
  void rollback_write() override;
  WriteTxn::LastIdSql last_id_sql() const override;

 private:
  PostgresStore(const std::string& url, std::unique_ptr<PgConnection> writer);

  std::unique_ptr<PgConnection> writer_;  // used under SqlStore's write lock
  ConnectionPool readers_;
};

}  // namespace fastgpu
