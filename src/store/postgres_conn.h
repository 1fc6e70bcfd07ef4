#pragma once
// A thin RAII layer over one libpq connection, and the SqlQuery that runs statements on it.

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/sql_connection.h"

namespace fastgpu {

/// One PostgreSQL connection. Not thread-safe: its owner uses it from one thread at a time.
/// Every session runs with synchronous_commit=on, so a COMMIT returns only once the server has
/// flushed the transaction to its WAL (acknowledged means durable, as far as the server's own
/// fsync setting allows).
class PgConnection final : public SqlConnection {
 public:
  /// Connects to `url` (validated first: kInvalidArgument for a malformed URL, kIoError when the
  /// server cannot be reached or refuses). Connecting gives up after 10 s unless the URL sets
  /// connect_timeout.
  static Status open(const std::string& url, std::unique_ptr<PgConnection>* out);
  ~PgConnection() override;
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  /// Runs `sql` (one or more statements, no parameters, results ignored).
  Status exec(const char* sql);

  /// A PgQuery for `sql`, whose `?` marks become $1, $2, ...
  std::unique_ptr<SqlQuery> query(const std::string& sql) override;

  /// True when the connection to the server is gone.
  bool broken() const override;

  /// Reconnects with the original settings when broken(); OK when usable afterwards.
  Status reconnect_if_broken();

  /// True while a transaction is open (or failed and not yet rolled back).
  bool in_transaction() const;

  /// A kIoError for the connection's last error, prefixed with `what`.
  Status error(std::string_view what) const;

  PGconn* handle() const { return conn_; }

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}

  PGconn* conn_;
};

/// A statement on a PgConnection (see SqlQuery). Parameters are collected as they are bound and
/// sent with the statement when next_row() or run() first runs it; rows come back as text and
/// are decoded column by column.
class PgQuery final : public SqlQuery {
 public:
  /// `sql` uses PostgreSQL's $1, $2, ... parameters.
  PgQuery(PgConnection* db, std::string sql) : db_(db), sql_(std::move(sql)) {}
  ~PgQuery() override;
  PgQuery(const PgQuery&) = delete;
  PgQuery& operator=(const PgQuery&) = delete;

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
  // One bound parameter: its bytes (text or binary), its type and whether it is NULL.
  struct Param {
    std::string bytes;
    Oid type = 0;
    bool is_null = false;
    bool binary = false;
  };

  SqlQuery& add(Param param);
  bool execute();
  // The current row's next column, or nullptr (failing the query) past the last one.
  const char* next_value(bool* is_null, int* length);

  PgConnection* db_;
  const std::string sql_;
  std::vector<Param> params_;
  PGresult* result_ = nullptr;
  Status status_;
  int row_ = -1;
  int column_ = 0;
};

/// `sql` with each `?` replaced by $1, $2, ... in order.
std::string number_placeholders(std::string_view sql);

}  // namespace fastgpu
