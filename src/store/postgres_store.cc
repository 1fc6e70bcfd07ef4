#include "store/postgres_store.h"

#include <utility>

#include "store/postgres_schema.h"

namespace fastgpu {
namespace {

// Taken by every write transaction: excludes other writers (this lock conflicts with itself)
// but not plain reads. Released by COMMIT or ROLLBACK.
constexpr const char* kBeginWrite = "BEGIN; LOCK TABLE tasks, vgpus IN EXCLUSIVE MODE;";

// Rows are never deleted, so the highest id in a table is the highest it ever assigned.
std::string postgres_last_id_sql(const char* table) {
  return "SELECT max(id) FROM " + std::string(table);
}

}  // namespace

Status PostgresStore::open(const std::string& url, std::unique_ptr<PostgresStore>* out) {
  std::unique_ptr<PgConnection> writer;
  if (Status s = PgConnection::open(url, &writer); !s.is_ok()) return s;
  if (Status s = migrate_postgres_schema(writer.get(), latest_postgres_schema_version());
      !s.is_ok()) {
    return s;
  }
  out->reset(new PostgresStore(url, std::move(writer)));
  return Status::ok();
}

PostgresStore::PostgresStore(const std::string& url, std::unique_ptr<PgConnection> writer)
    : writer_(std::move(writer)), readers_([url](std::unique_ptr<SqlConnection>* out) {
        std::unique_ptr<PgConnection> db;
        Status s = PgConnection::open(url, &db);
        *out = std::move(db);
        return s;
      }) {}

PostgresStore::~PostgresStore() = default;

Status PostgresStore::with_reader(const std::function<Status(SqlConnection*)>& body) {
  return readers_.with_connection(body);
}

// A connection the server dropped since the last write (restart, fail-over, idle timeout) is
// only noticed when used: then nothing of this transaction was sent yet, so it is safe to
// reconnect and begin once more.
Status PostgresStore::begin_write() {
  if (Status s = writer_->reconnect_if_broken(); !s.is_ok()) return s;
  Status s = writer_->exec(kBeginWrite);
  if (s.is_ok() || !writer_->broken()) return s;
  if (s = writer_->reconnect_if_broken(); !s.is_ok()) return s;
  return writer_->exec(kBeginWrite);
}

// synchronous_commit=on: COMMIT returns once the server flushed the transaction to its WAL.
// COMMIT of a transaction that failed part way rolls it back and still answers OK, hence the
// check first.
Status PostgresStore::commit_write() {
  if (PQtransactionStatus(writer_->handle()) == PQTRANS_INERROR) {
    return Status::io_error("postgresql: the write transaction failed and cannot commit");
  }
  return writer_->exec("COMMIT");
}

void PostgresStore::rollback_write() {
  if (writer_->in_transaction()) writer_->exec("ROLLBACK");
}

WriteTxn::LastIdSql PostgresStore::last_id_sql() const { return postgres_last_id_sql; }

}  // namespace fastgpu
