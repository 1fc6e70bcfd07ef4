#include "store/postgres_schema.h"

#include <string>

#include "store/schema_migrations.h"

namespace fastgpu {
namespace {

// Append only: a released migration never changes, a new one gets the next version.
// Ids are assigned by the store (WriteTxn), never by the database.
constexpr SchemaMigration kMigrations[] = {
    {1, R"sql(
CREATE TABLE vgpus (
  id            BIGINT PRIMARY KEY,
  owner         TEXT   NOT NULL,
  milli_tflops  BIGINT NOT NULL,
  gpu_milli     BIGINT NOT NULL,
  memory_mib    BIGINT NOT NULL,
  state         TEXT   NOT NULL CHECK (state IN ('pending', 'active', 'deleted')),
  node          BIGINT,
  gpus          BIGINT,
  created_at_us BIGINT NOT NULL,
  deleted_at_us BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE tasks (
  id                 BIGINT PRIMARY KEY,
  seq                BIGINT NOT NULL,
  owner              TEXT   NOT NULL,
  name               TEXT   NOT NULL,
  priority           BIGINT NOT NULL,
  cpu_milli          BIGINT NOT NULL,
  memory_mib         BIGINT NOT NULL,
  num_gpu            BIGINT NOT NULL,
  gpu_milli          BIGINT NOT NULL,
  gpu_memory_mib     BIGINT NOT NULL,
  allowed_models     BIGINT NOT NULL,
  milli_tflops       BIGINT NOT NULL,
  vgpu_id            BIGINT,
  kind               TEXT   NOT NULL CHECK (kind IN ('command', 'synthetic')),
  argv               BYTEA  NOT NULL,
  env                BYTEA  NOT NULL,
  cwd                TEXT   NOT NULL,
  synthetic_mtflops  BIGINT NOT NULL,
  synthetic_ms       BIGINT NOT NULL,
  max_retries        BIGINT NOT NULL,
  timeout_ms         BIGINT NOT NULL,
  state              TEXT   NOT NULL CHECK (state IN ('pending', 'running', 'succeeded',
                                            'failed', 'cancelled', 'lost', 'preempted')),
  retries_used       BIGINT NOT NULL,
  node               BIGINT,
  gpus               BIGINT,
  pid                BIGINT NOT NULL,
  process_start_time BIGINT NOT NULL,
  exit_code          BIGINT,
  failure_reason     TEXT   NOT NULL,
  created_at_us      BIGINT NOT NULL,
  started_at_us      BIGINT NOT NULL,
  ended_at_us        BIGINT NOT NULL
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
ALTER TABLE tasks ADD COLUMN enforce BIGINT NOT NULL DEFAULT 1;
)sql"},
};

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
  int current = 0;
  if (Status s = read_postgres_schema_version(db, &current); !s.is_ok()) return s;
  bool applied = false;
  Status s = run_schema_migrations(
      kMigrations, current, target, [db](const char* sql) { return db->exec(sql); }, &applied);
  if (!s.is_ok() || !applied) return s;
  return write_version(db, target);
}

}  // namespace

int latest_postgres_schema_version() { return latest_schema_version(kMigrations); }

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
  if (Status s = check_schema_target(kMigrations, target_version); !s.is_ok()) return s;
  if (Status s = db->exec("BEGIN"); !s.is_ok()) return s;
  Status s = db->exec(kMigrationLock);
  if (s.is_ok()) s = migrate_locked(db, target_version);
  if (s.is_ok()) s = db->exec("COMMIT");
  if (!s.is_ok() && db->in_transaction()) db->exec("ROLLBACK");
  return s;
}

}  // namespace fastgpu
