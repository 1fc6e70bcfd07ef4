#include "store/sqlite_db.h"

#include <utility>

namespace fastgpu {

Status SqliteDb::open(const std::string& path, const Options& options,
                      std::unique_ptr<SqliteDb>* out) {
  sqlite3* raw = nullptr;
  const int flags =
      SQLITE_OPEN_NOMUTEX |
      (options.read_only ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  std::unique_ptr<SqliteDb> db(raw != nullptr ? new SqliteDb(raw) : nullptr);
  if (rc != SQLITE_OK) {
    return Status::io_error("cannot open database " + path + ": " + sqlite3_errstr(rc));
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  // WAL: readers never block the writer nor the writer readers. synchronous=FULL: every commit
  // fsyncs the WAL before it returns, so acknowledged means durable even on power loss.
  Status s = db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF;");
  if (s.is_ok() && options.read_only) s = db->exec("PRAGMA query_only=1;");
  if (!s.is_ok()) return Status::io_error("cannot set up database " + path + ": " + s.message());
  *out = std::move(db);
  return Status::ok();
}

SqliteDb::~SqliteDb() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Status SqliteDb::exec(const char* sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return Status::ok();
  std::string text = message != nullptr ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  return Status::io_error("sqlite: " + text);
}

Status SqliteDb::prepare(const std::string& sql, sqlite3_stmt** stmt) {
  if (auto it = cache_.find(sql); it != cache_.end()) {
    *stmt = it->second;
    return Status::ok();
  }
  sqlite3_stmt* fresh = nullptr;
  if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()) + 1,
                         SQLITE_PREPARE_PERSISTENT, &fresh, nullptr) != SQLITE_OK) {
    return error("prepare");
  }
  cache_.emplace(sql, fresh);
  *stmt = fresh;
  return Status::ok();
}

std::unique_ptr<SqlQuery> SqliteDb::query(const std::string& sql) {
  return std::make_unique<Statement>(this, sql);
}

Status SqliteDb::error(std::string_view what) const {
  return Status::io_error("sqlite " + std::string(what) + ": " + sqlite3_errmsg(db_));
}

Statement::Statement(SqliteDb* db, const std::string& sql) : db_(db) {
  status_ = db->prepare(sql, &stmt_);
}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::check(int rc, std::string_view what) {
  if (rc == SQLITE_OK) return true;
  status_ = db_->error(what);
  return false;
}

void Statement::fail(Status status) {
  if (status_.is_ok()) status_ = std::move(status);
}

SqlQuery& Statement::bind(int64_t value) {
  if (status_.is_ok()) check(sqlite3_bind_int64(stmt_, next_param_++, value), "bind");
  return *this;
}

SqlQuery& Statement::bind(std::string_view text) {
  if (status_.is_ok()) {
    check(sqlite3_bind_text(stmt_, next_param_++, text.data(), static_cast<int>(text.size()),
                            SQLITE_TRANSIENT),
          "bind");
  }
  return *this;
}

SqlQuery& Statement::bind_blob(std::string_view bytes) {
  if (status_.is_ok()) {
    // A zero-length blob still binds as a blob, not NULL, given a non-null pointer.
    check(sqlite3_bind_blob(stmt_, next_param_++, bytes.empty() ? "" : bytes.data(),
                            static_cast<int>(bytes.size()), SQLITE_TRANSIENT),
          "bind");
  }
  return *this;
}

SqlQuery& Statement::bind_null() {
  if (status_.is_ok()) check(sqlite3_bind_null(stmt_, next_param_++), "bind");
  return *this;
}

bool Statement::next_row() {
  if (!status_.is_ok()) return false;
  next_column_ = 0;
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) status_ = db_->error("step");
  return false;
}

Status Statement::run() {
  if (next_row()) fail(Status::io_error("sqlite: statement unexpectedly returned rows"));
  return status_;
}

int64_t Statement::changes() const { return sqlite3_changes(db_->handle()); }

int64_t Statement::column_int64() { return sqlite3_column_int64(stmt_, next_column_++); }

std::optional<int64_t> Statement::column_optional_int64() {
  if (sqlite3_column_type(stmt_, next_column_) == SQLITE_NULL) {
    ++next_column_;
    return std::nullopt;
  }
  return column_int64();
}

std::string Statement::column_text() {
  const int index = next_column_++;
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
  return text != nullptr ? std::string(text, sqlite3_column_bytes(stmt_, index)) : std::string();
}

std::string Statement::column_blob() {
  const int index = next_column_++;
  const auto* bytes = static_cast<const char*>(sqlite3_column_blob(stmt_, index));
  return bytes != nullptr ? std::string(bytes, sqlite3_column_bytes(stmt_, index)) : std::string();
}

}  // namespace fastgpu
