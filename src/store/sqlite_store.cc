#include "store/sqlite_store.h"

#include <string_view>
#include <utility>

#include "store/sqlite_schema.h"

namespace fastgpu {
namespace {

// AUTOINCREMENT keeps the highest id a table ever used in sqlite_sequence.
std::string sqlite_last_id_sql(const char* table) {
  return "SELECT seq FROM sqlite_sequence WHERE name = '" + std::string(table) + "'";
}

// Runs SQLite's quick_check (every page and index entry read once, without cross-checking the
// indexes against their tables): a damaged page anywhere is found before anything is served.
Status check_integrity(SqliteDb* db, const std::string& path) {
  std::string findings;
  char* message = nullptr;
  const int rc = sqlite3_exec(
      db->handle(), "PRAGMA quick_check(5)",
      [](void* out, int columns, char** values, char**) {
        auto* text = static_cast<std::string*>(out);
        if (columns > 0 && values[0] != nullptr && std::string_view(values[0]) != "ok") {
          *text += (text->empty() ? "" : "; ") + std::string(values[0]);
        }
        return 0;
      },
      &findings, &message);
  if (rc != SQLITE_OK) {
    findings = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
  }
  if (findings.empty()) return Status::ok();
  return Status::failed_precondition(
      "the database " + path + " is damaged (" + findings +
      "): stop, restore it from a backup (or try `sqlite3 " + path +
      " .recover`), or move it aside and start with --start-fresh to begin with no state");
}

}  // namespace

Status SqliteStore::open(const std::string& path, const Options& options,
                         std::unique_ptr<SqliteStore>* out) {
  std::unique_ptr<SqliteDb> writer;
  if (Status s = SqliteDb::open(path, {options.busy_timeout_ms, false}, &writer); !s.is_ok()) {
    return s;
  }
  if (Status s = check_integrity(writer.get(), path); !s.is_ok()) return s;
  if (Status s = migrate_sqlite_schema(writer.get(), latest_sqlite_schema_version()); !s.is_ok()) {
    return s;
  }
  out->reset(new SqliteStore(path, options, std::move(writer)));
  return Status::ok();
}

SqliteStore::SqliteStore(const std::string& path, Options options, std::unique_ptr<SqliteDb> writer)
    : writer_(std::move(writer)), readers_([path, options](std::unique_ptr<SqlConnection>* out) {
        std::unique_ptr<SqliteDb> db;
        Status s = SqliteDb::open(path, {options.busy_timeout_ms, true}, &db);
        *out = std::move(db);
        return s;
      }) {}

SqliteStore::~SqliteStore() = default;

Status SqliteStore::with_reader(const std::function<Status(SqlConnection*)>& body) {
  return readers_.with_connection(body);
}

// IMMEDIATE takes the write lock at once: no other process can write until COMMIT.
Status SqliteStore::begin_write() { return writer_->exec("BEGIN IMMEDIATE"); }

// synchronous=FULL: COMMIT returns only once the WAL is fsynced.
Status SqliteStore::commit_write() { return writer_->exec("COMMIT"); }

void SqliteStore::rollback_write() {
  if (sqlite3_get_autocommit(writer_->handle()) == 0) writer_->exec("ROLLBACK");
}

WriteTxn::LastIdSql SqliteStore::last_id_sql() const { return sqlite_last_id_sql; }

}  // namespace fastgpu
