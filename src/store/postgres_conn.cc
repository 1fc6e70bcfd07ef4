#include "store/postgres_conn.h"

#include <charconv>
#include <utility>

#include "store/postgres_url.h"

namespace fastgpu {
namespace {

// Type oids of the parameters this store binds (pg_type.oid, fixed since PostgreSQL 7).
constexpr Oid kInt8Oid = 20;
constexpr Oid kTextOid = 25;
constexpr Oid kByteaOid = 17;

// The session settings every connection starts with.
constexpr const char* kSessionSetup = "SET synchronous_commit TO on; SET TIME ZONE 'UTC';";

std::string trimmed(const char* message) {
  std::string text = message != nullptr ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// Server notices ("relation already exists, skipping") are not errors; keep them off stderr.
void ignore_notice(void*, const char*) {}

PGconn* connect(const std::string& url) {
  // Earlier entries are defaults: the URL (expanded from dbname) overrides them.
  const char* keys[] = {"connect_timeout", "application_name", "client_encoding", "dbname",
                        nullptr};
  const char* values[] = {"10", "fastgpud", "UTF8", url.c_str(), nullptr};
  return PQconnectdbParams(keys, values, /*expand_dbname=*/1);
}

}  // namespace

Status PgConnection::open(const std::string& url, std::unique_ptr<PgConnection>* out) {
  if (Status s = validate_postgres_url(url); !s.is_ok()) return s;
  PGconn* raw = connect(url);
  if (raw == nullptr) return Status::io_error("postgresql: out of memory connecting");
  std::unique_ptr<PgConnection> db(new PgConnection(raw));
  if (PQstatus(raw) != CONNECTION_OK) {
    return Status::io_error("cannot connect to " + redact_postgres_url(url) + ": " +
                            trimmed(PQerrorMessage(raw)));
  }
  PQsetNoticeProcessor(raw, ignore_notice, nullptr);
  if (Status s = db->exec(kSessionSetup); !s.is_ok()) return s;
  *out = std::move(db);
  return Status::ok();
}

PgConnection::~PgConnection() { PQfinish(conn_); }

Status PgConnection::exec(const char* sql) {
  PGresult* result = PQexec(conn_, sql);
  const ExecStatusType status = PQresultStatus(result);
  Status s = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK
                 ? Status::ok()
                 : Status::io_error("postgresql: " + trimmed(PQresultErrorMessage(result)));
  if (result == nullptr) s = error("exec");
  PQclear(result);
  return s;
}

std::unique_ptr<SqlQuery> PgConnection::query(const std::string& sql) {
  return std::make_unique<PgQuery>(this, number_placeholders(sql));
}

bool PgConnection::broken() const { return PQstatus(conn_) != CONNECTION_OK; }

Status PgConnection::reconnect_if_broken() {
  if (!broken()) return Status::ok();
  PQreset(conn_);
  if (broken()) return error("reconnect");
  return exec(kSessionSetup);
}

bool PgConnection::in_transaction() const {
  return PQtransactionStatus(conn_) != PQTRANS_IDLE &&
         PQtransactionStatus(conn_) != PQTRANS_UNKNOWN;
}

Status PgConnection::error(std::string_view what) const {
  return Status::io_error("postgresql " + std::string(what) + ": " +
                          trimmed(PQerrorMessage(conn_)));
}

PgQuery::~PgQuery() { PQclear(result_); }

SqlQuery& PgQuery::add(Param param) {
  if (result_ != nullptr) fail(Status::io_error("postgresql: bind after the query ran"));
  params_.push_back(std::move(param));
  return *this;
}

SqlQuery& PgQuery::bind(int64_t value) {
  return add({std::to_string(value), kInt8Oid, false, false});
}

SqlQuery& PgQuery::bind(std::string_view text) {
  return add({std::string(text), kTextOid, false, false});
}

SqlQuery& PgQuery::bind_blob(std::string_view bytes) {
  return add({std::string(bytes), kByteaOid, false, true});
}

// Untyped: the server infers the column's type from where the parameter stands.
SqlQuery& PgQuery::bind_null() { return add({{}, 0, true, false}); }

void PgQuery::fail(Status status) {
  if (status_.is_ok()) status_ = std::move(status);
}

bool PgQuery::execute() {
  std::vector<Oid> types;
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  for (const Param& p : params_) {
    types.push_back(p.type);
    values.push_back(p.is_null ? nullptr : p.bytes.data());
    lengths.push_back(static_cast<int>(p.bytes.size()));
    formats.push_back(p.binary ? 1 : 0);
  }
  result_ = PQexecParams(db_->handle(), sql_.c_str(), static_cast<int>(params_.size()),
                         types.data(), values.data(), lengths.data(), formats.data(),
                         /*resultFormat=*/0);
  const ExecStatusType status = PQresultStatus(result_);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return true;
  fail(result_ != nullptr
           ? Status::io_error("postgresql: " + trimmed(PQresultErrorMessage(result_)))
           : db_->error("query"));
  return false;
}

bool PgQuery::next_row() {
  if (!status_.is_ok()) return false;
  if (result_ == nullptr && !execute()) return false;
  column_ = 0;
  return ++row_ < PQntuples(result_);
}

Status PgQuery::run() {
  if (next_row()) fail(Status::io_error("postgresql: statement unexpectedly returned rows"));
  return status_;
}

int64_t PgQuery::changes() const {
  if (result_ == nullptr) return 0;
  const char* count = PQcmdTuples(result_);
  int64_t n = 0;
  std::from_chars(count, count + std::char_traits<char>::length(count), n);
  return n;
}

const char* PgQuery::next_value(bool* is_null, int* length) {
  if (!status_.is_ok() || result_ == nullptr || row_ < 0 || row_ >= PQntuples(result_) ||
      column_ >= PQnfields(result_)) {
    fail(Status::io_error("postgresql: read past the columns of the row"));
    *is_null = true;
    return nullptr;
  }
  const int column = column_++;
  *is_null = PQgetisnull(result_, row_, column) != 0;
  *length = PQgetlength(result_, row_, column);
  return PQgetvalue(result_, row_, column);
}

std::optional<int64_t> PgQuery::column_optional_int64() {
  bool is_null = false;
  int length = 0;
  const char* text = next_value(&is_null, &length);
  if (is_null) return std::nullopt;
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text, text + length, value);
  if (ec != std::errc() || end != text + length) {
    fail(Status::io_error("postgresql: column is not an integer: '" + std::string(text, length) +
                          "'"));
  }
  return value;
}

int64_t PgQuery::column_int64() { return column_optional_int64().value_or(0); }

std::string PgQuery::column_text() {
  bool is_null = false;
  int length = 0;
  const char* text = next_value(&is_null, &length);
  return is_null ? std::string() : std::string(text, length);
}

std::string PgQuery::column_blob() {
  bool is_null = false;
  int length = 0;
  const char* text = next_value(&is_null, &length);
  if (is_null) return {};
  size_t size = 0;
  unsigned char* bytes = PQunescapeBytea(reinterpret_cast<const unsigned char*>(text), &size);
  if (bytes == nullptr) {
    fail(Status::io_error("postgresql: cannot decode a bytea column"));
    return {};
  }
  std::string out(reinterpret_cast<const char*>(bytes), size);
  PQfreemem(bytes);
  return out;
}

std::string number_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int next = 1;
  for (char c : sql) {
    if (c == '?') {
      out += '$' + std::to_string(next++);
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace fastgpu
