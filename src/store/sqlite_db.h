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

namespace fastgpu {

/// One SQLite connection with its cache of prepared statements.
///
/// Opened in SQLite's multi-thread mode: the connection itself is not thread-safe; its owner
/// uses it from one thread at a time. Every connection runs with WAL journaling,
/// synchronous=FULL (a commit returns only after the WAL is fsynced, so a committed transaction
/// survives a crash of the process or of the machine) and a busy timeout.
class SqliteDb {
 public:
  struct Options {
    int busy_timeout_ms = 5000;
    bool read_only = false;  // query_only: refuses writes
  };

  /// Opens (creating when missing, unless read_only) the database file at `path`.
  static Status open(const std::string& path, const Options& options,
                     std::unique_ptr<SqliteDb>* out);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  /// Runs `sql` (one or more statements, no results).
  Status exec(const char* sql);

  /// The cached prepared statement for `sql`, preparing it on first use. The statement stays
  /// owned by the connection; use it through Statement.
  Status prepare(const std::string& sql, sqlite3_stmt** stmt);

  /// A Status for the connection's last error, prefixed with `what`.
  Status error(std::string_view what) const;

  sqlite3* handle() const { return db_; }

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

/// A use of one cached statement: binds parameters left to right, steps, and reads the current
/// row's columns left to right. Resets the statement when it goes out of scope.
/// The first failure sticks: later calls do nothing and status() reports it.
class Statement {
 public:
  Statement(SqliteDb* db, const std::string& sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binding, in parameter order.
  Statement& bind(int64_t value);
  Statement& bind(std::string_view text);
  Statement& bind_blob(std::string_view bytes);
  Statement& bind_null();
  template <typename T>
  Statement& bind(const std::optional<T>& value) {
    return value ? bind(static_cast<int64_t>(*value)) : bind_null();
  }

  /// Steps to the next row: true when there is one, false at the end or on error.
  bool next_row();
  /// Steps until done; the statement must produce no rows.
  Status run();

  // Reading the current row, in column order.
  int64_t column_int64();
  std::optional<int64_t> column_optional_int64();  // nullopt for NULL
  std::string column_text();
  std::string column_blob();

  /// OK, or the first error (preparing, binding or stepping).
  const Status& status() const { return status_; }
  /// Marks the statement failed with `status` (for decoding errors found by the caller).
  void fail(Status status);

 private:
  bool check(int rc, std::string_view what);

  SqliteDb* db_;
  sqlite3_stmt* stmt_ = nullptr;
  Status status_;
  int next_param_ = 1;
  int next_column_ = 0;
};

}  // namespace fastgpu
