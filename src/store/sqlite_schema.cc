#include "store/sqlite_schema.h"

#include <string>

#include "store/schema_migrations.h"

namespace fastgpu {
namespace {

// Append only: a released migration never changes, a new one gets the next version.
constexpr SchemaMigration kMigrations[] = {
    {1, R"sql(
CREATE TABLE vgpus (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  owner         TEXT    NOT NULL,
  milli_tflops  INTEGER NOT NULL,
  gpu_milli     INTEGER NOT NULL,
  memory_mib    INTEGER NOT NULL,
  state         TEXT    NOT NULL CHECK (state IN ('pending', 'active', 'deleted')),
  node          INTEGER,
  gpus          INTEGER,
  created_at_us INTEGER NOT NULL,
  deleted_at_us INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE tasks (
  id                 INTEGER PRIMARY KEY AUTOINCREMENT,
  seq                INTEGER NOT NULL,
  owner              TEXT    NOT NULL,
  name               TEXT    NOT NULL,
  priority           INTEGER NOT NULL,
  cpu_milli          INTEGER NOT NULL,
  memory_mib         INTEGER NOT NULL,
  num_gpu            INTEGER NOT NULL,
  gpu_milli          INTEGER NOT NULL,
  gpu_memory_mib     INTEGER NOT NULL,
  allowed_models     INTEGER NOT NULL,
  milli_tflops       INTEGER NOT NULL,
  vgpu_id            INTEGER,
  kind               TEXT    NOT NULL CHECK (kind IN ('command', 'synthetic')),
  argv               BLOB    NOT NULL,
  env                BLOB    NOT NULL,
  cwd                TEXT    NOT NULL,
  synthetic_mtflops  INTEGER NOT NULL,
  synthetic_ms       INTEGER NOT NULL,
  max_retries        INTEGER NOT NULL,
  timeout_ms         INTEGER NOT NULL,
  state              TEXT    NOT NULL CHECK (state IN ('pending', 'running', 'succeeded',
                                             'failed', 'cancelled', 'lost', 'preempted')),
  retries_used       INTEGER NOT NULL,
  node               INTEGER,
  gpus               INTEGER,
  pid                INTEGER NOT NULL,
  process_start_time INTEGER NOT NULL,
  exit_code          INTEGER,
  failure_reason     TEXT    NOT NULL,
  created_at_us      INTEGER NOT NULL,
  started_at_us      INTEGER NOT NULL,
  ended_at_us        INTEGER NOT NULL
);
CREATE INDEX tasks_by_state ON tasks (state, id);
)sql"},
    // v2: tasks keep the paths of their stdout and stderr logs; listing by owner and by vGPU.
    {2, R"sql(
ALTER TABLE tasks ADD COLUMN stdout_path TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN stderr_path TEXT NOT NULL DEFAULT '';
CREATE INDEX tasks_by_owner ON tasks (owner, id);
CREATE INDEX tasks_by_vgpu ON tasks (vgpu_id, id) WHERE vgpu_id IS NOT NULL;
CREATE INDEX vgpus_by_owner ON vgpus (owner, id);
)sql"},
    // v3: a task may opt out of the vGPU enforcement library.
    {3, R"sql(
ALTER TABLE tasks ADD COLUMN enforce INTEGER NOT NULL DEFAULT 1;
)sql"},
};

// Runs inside the migration transaction.
Status migrate_locked(SqliteDb* db, int target) {
  int current = 0;
  if (Status s = read_sqlite_schema_version(db, &current); !s.is_ok()) return s;
  bool applied = false;
  Status s = run_schema_migrations(
      kMigrations, current, target, [db](const char* sql) { return db->exec(sql); }, &applied);
  if (!s.is_ok() || !applied) return s;
  return db->exec(("PRAGMA user_version=" + std::to_string(target) + ";").c_str());
}

}  // namespace

int latest_sqlite_schema_version() { return latest_schema_version(kMigrations); }

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
  if (Status s = check_schema_target(kMigrations, target_version); !s.is_ok()) return s;
  // IMMEDIATE: two processes opening one new file cannot both migrate it.
  if (Status s = db->exec("BEGIN IMMEDIATE"); !s.is_ok()) return s;
  Status s = migrate_locked(db, target_version);
  if (s.is_ok()) s = db->exec("COMMIT");
  if (!s.is_ok()) db->exec("ROLLBACK");
  return s;
}

}  // namespace fastgpu
