#pragma once
// A thin RAII layer over one SQLite connection: pragmas, a prepared-statement cache, and a
// Statement cursor that binds parameters and reads columns in order.

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/status.h"
#include "store/sql_connection.h"

namespace fastgpu {

/// One SQLite connection with its cache of prepared statements.
///
/// Opened in SQLite's multi-thread mode: the connection itself is not thread-safe; its owner
/// uses it from one thread at a time. Every connection runs with WAL journaling,
/// synchronous=FULL (a commit returns only after the WAL is fsynced, so a committed transaction
/// survives a crash of the process or of the machine) and a busy timeout.
class SqliteDb final : public SqlConnection {
 public:
  struct Options {
    int busy_timeout_ms = 5000;
    bool read_only = false;  // query_only: refuses writes
  };

  /// Opens (creating when missing, unless read_only) the database file at `path`.
  static Status open(const std::string& path, const Options& options,
                     std::unique_ptr<SqliteDb>* out);
  ~SqliteDb() override;
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  /// Runs `sql` (one or more statements, no results).
  Status exec(const char* sql);

  /// The cached prepared statement for `sql`, preparing it on first use. The statement stays
  /// owned by the connection; use it through Statement.
  Status prepare(const std::string& sql, sqlite3_stmt** stmt);

  /// A Statement for `sql`, for code written against SqlConnection.
  std::unique_ptr<SqlQuery> query(const std::string& sql) override;

  /// A Status for the connection's last error, prefixed with `what`.
  Status error(std::string_view what) const;

  sqlite3* handle() const { return db_; }

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

/// A use of one cached statement (see SqlQuery). Resets the statement when it goes out of
/// scope.
class Statement final : public SqlQuery {
 public:
  Statement(SqliteDb* db, const std::string& sql);
  ~Statement() override;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  using SqlQuery::bind;
  SqlQuery& bind(int64_t value) override;
  SqlQuery& bind(std::string_view text) override;
  SqlQuery& bind_blob(std::string_view bytes) override;
  SqlQuery& bind_null() override;

  bool next_row() override;
  Status run() override;
  int64_t changes() const override;

  int64_t column_int64() override;
  std::optional<int64_t> column_optional_int64() override;
  std::string column_text() override;
  std::string column_blob() override;

  const Status& status() const override { return status_; }
  void fail(Status status) override;

 private:
  bool check(int rc, std::string_view what);

  SqliteDb* db_;
  sqlite3_stmt* stmt_ = nullptr;
  Status status_;
  int next_param_ = 1;
  int next_column_ = 0;
};

}  // namespace fastgpu
