#include "store/sqlite_schema.h"

#include <string>

#include "store/store_schema.h"

namespace fastgpu {
namespace {

const std::vector<SchemaMigration>& migrations() {
  static const std::vector<SchemaMigration> list = store_schema_migrations(kSqliteDialect);
  return list;
}

// Runs inside the migration transaction.
Status migrate_locked(SqliteDb* db, int target) {
  return migrate_in_transaction(
      migrations(), target,
      {[db](int* version) { return read_sqlite_schema_version(db, version); },
       [db](const char* sql) { return db->exec(sql); },
       [db](int version) {
         return db->exec(("PRAGMA user_version=" + std::to_string(version) + ";").c_str());
       }});
}

}  // namespace

int latest_sqlite_schema_version() { return latest_schema_version(migrations()); }

Status read_sqlite_schema_version(SqliteDb* db, int* version) {
  Statement q(db, "PRAGMA user_version");
  if (!q.next_row()) {
    return q.status().is_ok() ? Status::io_error("PRAGMA user_version returned nothing")
                              : q.status();
  }
  *version = static_cast<int>(q.column_int64());
  return Status::ok();
}

Status migrate_sqlite_schema(SqliteDb* db, int target_version) {
  if (Status s = check_schema_target(migrations(), target_version); !s.is_ok()) return s;
  // IMMEDIATE: two processes opening one new file cannot both migrate it.
  if (Status s = db->exec("BEGIN IMMEDIATE"); !s.is_ok()) return s;
  Status s = migrate_locked(db, target_version);
  if (s.is_ok()) s = db->exec("COMMIT");
  if (!s.is_ok()) db->exec("ROLLBACK");
  return s;
}

}  // namespace fastgpu
