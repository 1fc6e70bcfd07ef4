#pragma once
// The little of a SQL database that the record mapping, the write transaction and the reads
// need, so that one implementation of them serves every back end (SQLite, PostgreSQL).
//
// SQL handed to a connection marks its parameters with `?`; a back end whose driver spells them
// otherwise (PostgreSQL's $1, $2, ...) rewrites them. The shared SQL never puts a `?` inside a
// string literal.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace fastgpu {

/// One use of one SQL statement: binds parameters left to right, steps through the rows, and
/// reads the current row's columns left to right. The first failure sticks: later calls do
/// nothing and status() reports it. Not thread-safe.
class SqlQuery {
 public:
  virtual ~SqlQuery() = default;

  // Binding, in parameter order.
  virtual SqlQuery& bind(int64_t value) = 0;
  virtual SqlQuery& bind(std::string_view text) = 0;
  virtual SqlQuery& bind_blob(std::string_view bytes) = 0;
  virtual SqlQuery& bind_null() = 0;
  /// Binds the value as an integer, or NULL when unset.
  template <typename T>
  SqlQuery& bind(const std::optional<T>& value) {
    return value ? bind(static_cast<int64_t>(*value)) : bind_null();
  }

  /// Steps to the next row: true when there is one, false at the end or on error.
  virtual bool next_row() = 0;
  /// Runs a statement that produces no rows.
  virtual Status run() = 0;
  /// How many rows the statement changed, once run() returned OK.
  virtual int64_t changes() const = 0;

  // Reading the current row, in column order.
  virtual int64_t column_int64() = 0;
  virtual std::optional<int64_t> column_optional_int64() = 0;  // nullopt for NULL
  virtual std::string column_text() = 0;
  virtual std::string column_blob() = 0;

  /// OK, or the first error (preparing, binding, running or decoding).
  virtual const Status& status() const = 0;
  /// Marks the query failed with `status` (for decoding errors found by the caller).
  virtual void fail(Status status) = 0;
};

/// A connection that runs SqlQuery objects. Used by one thread at a time.
class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  /// A query for `sql` (parameters marked `?`). Errors surface through the query's status().
  virtual std::unique_ptr<SqlQuery> query(const std::string& sql) = 0;
  /// True once the connection can no longer be used (its server went away) and should be
  /// dropped rather than reused.
  virtual bool broken() const { return false; }
};

}  // namespace fastgpu
