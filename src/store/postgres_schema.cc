#include "store/postgres_schema.h"

#include <string>

#include "store/store_schema.h"

namespace fastgpu {
namespace {

const std::vector<SchemaMigration>& migrations() {
  static const std::vector<SchemaMigration> list = store_schema_migrations(kPostgresDialect);
  return list;
}

// Serialises migrations between processes (pg_advisory_xact_lock key; "fgpu" in ASCII).
constexpr const char* kMigrationLock = "SELECT pg_advisory_xact_lock(1718054005)";

constexpr const char* kCreateVersionTable =
    "CREATE TABLE IF NOT EXISTS fastgpu_schema (version INTEGER NOT NULL)";

Status write_version(PgConnection* db, int version) {
  const std::string sql = "DELETE FROM fastgpu_schema; INSERT INTO fastgpu_schema VALUES (" +
                          std::to_string(version) + ");";
  return db->exec(sql.c_str());
}

// Runs inside the migration transaction, holding the migration lock.
Status migrate_locked(PgConnection* db, int target) {
  if (Status s = db->exec(kCreateVersionTable); !s.is_ok()) return s;
  return migrate_in_transaction(
      migrations(), target,
      {[db](int* version) { return read_postgres_schema_version(db, version); },
       [db](const char* sql) { return db->exec(sql); },
       [db](int version) { return write_version(db, version); }});
}

}  // namespace

int latest_postgres_schema_version() { return latest_schema_version(migrations()); }

Status read_postgres_schema_version(PgConnection* db, int* version) {
  *version = 0;
  std::unique_ptr<SqlQuery> exists = db->query("SELECT to_regclass('fastgpu_schema') IS NOT NULL");
  if (!exists->next_row()) return exists->status();
  if (exists->column_text() != "t") return exists->status();
  std::unique_ptr<SqlQuery> q = db->query("SELECT max(version) FROM fastgpu_schema");
  if (!q->next_row()) return q->status();
  *version = static_cast<int>(q->column_optional_int64().value_or(0));
  return q->status();
}

Status migrate_postgres_schema(PgConnection* db, int target_version) {
  if (Status s = check_schema_target(migrations(), target_version); !s.is_ok()) return s;
  if (Status s = db->exec("BEGIN"); !s.is_ok()) return s;
  Status s = db->exec(kMigrationLock);
  if (s.is_ok()) s = migrate_locked(db, target_version);
  if (s.is_ok()) s = db->exec("COMMIT");
  if (!s.is_ok() && db->in_transaction()) db->exec("ROLLBACK");
  return s;
}

}  // namespace fastgpu
