#include "store/store_schema.h"

#include <string>
#include <string_view>

namespace fastgpu {
namespace {

struct Template {
  int version;
  const char* sql;
};

// Append only: a released migration never changes, a new one gets the next version.
constexpr Template kTemplates[] = {
    {1, R"sql(
CREATE TABLE vgpus (
  id {id},
  owner TEXT NOT NULL,
  milli_tflops {int} NOT NULL,
  gpu_milli {int} NOT NULL,
  memory_mib {int} NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'active', 'deleted')),
  node {int},
  gpus {int},
  created_at_us {int} NOT NULL,
  deleted_at_us {int} NOT NULL DEFAULT 0
);
CREATE TABLE tasks (
  id {id},
  seq {int} NOT NULL,
  owner TEXT NOT NULL,
  name TEXT NOT NULL,
  priority {int} NOT NULL,
  cpu_milli {int} NOT NULL,
  memory_mib {int} NOT NULL,
  num_gpu {int} NOT NULL,
  gpu_milli {int} NOT NULL,
  gpu_memory_mib {int} NOT NULL,
  allowed_models {int} NOT NULL,
  milli_tflops {int} NOT NULL,
  vgpu_id {int},
  kind TEXT NOT NULL CHECK (kind IN ('command', 'synthetic')),
  argv {bytes} NOT NULL,
  env {bytes} NOT NULL,
  cwd TEXT NOT NULL,
  synthetic_mtflops {int} NOT NULL,
  synthetic_ms {int} NOT NULL,
  max_retries {int} NOT NULL,
  timeout_ms {int} NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'succeeded', 'failed',
                                      'cancelled', 'lost', 'preempted')),
  retries_used {int} NOT NULL,
  node {int},
  gpus {int},
  pid {int} NOT NULL,
  process_start_time {int} NOT NULL,
  exit_code {int},
  failure_reason TEXT NOT NULL,
  created_at_us {int} NOT NULL,
  started_at_us {int} NOT NULL,
  ended_at_us {int} NOT NULL
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
ALTER TABLE tasks ADD COLUMN enforce {int} NOT NULL DEFAULT 1;
)sql"},
    // v4: how a vGPU is given back without an explicit delete, and why it was deleted; what a
    // task's processes used; the uid each user's tasks run as.
    {4, R"sql(
ALTER TABLE vgpus ADD COLUMN lease_ms {int} NOT NULL DEFAULT 0;
ALTER TABLE vgpus ADD COLUMN ttl_ms {int} NOT NULL DEFAULT 0;
ALTER TABLE vgpus ADD COLUMN idle_timeout_ms {int} NOT NULL DEFAULT 0;
ALTER TABLE vgpus ADD COLUMN deleted_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN cpu_ns {int} NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN peak_memory_bytes {int} NOT NULL DEFAULT 0;
CREATE TABLE task_accounts (
  owner TEXT PRIMARY KEY,
  uid {int} NOT NULL UNIQUE
);
)sql"},
    // v5: the write epoch of the replica that leads; each leader's writes check it (fencing).
    {5, R"sql(
CREATE TABLE write_epoch (
  id {int} PRIMARY KEY CHECK (id = 1),
  epoch {int} NOT NULL
);
INSERT INTO write_epoch (id, epoch) VALUES (1, 0);
)sql"},
    // v6: a task may let projects below their fair share reclaim its GPUs.
    {6, R"sql(
ALTER TABLE tasks ADD COLUMN preemptible {int} NOT NULL DEFAULT 0;
)sql"},
    // v7: the usage ledger: one row per ended task attempt and per vGPU stretch on a GPU.
    {7, R"sql(
CREATE TABLE usage_ledger (
  kind TEXT NOT NULL CHECK (kind IN ('task', 'vgpu')),
  ref_id {int} NOT NULL,
  owner TEXT NOT NULL,
  project TEXT NOT NULL,
  model TEXT NOT NULL,
  gpu_milli {int} NOT NULL,
  started_at_us {int} NOT NULL,
  ended_at_us {int} NOT NULL,
  end_state TEXT NOT NULL
);
CREATE INDEX usage_by_end ON usage_ledger (ended_at_us);
CREATE INDEX usage_by_owner ON usage_ledger (owner, ended_at_us);
)sql"},
    // v8: how many attempts of a task have started (its logs mark each after the first).
    {8, R"sql(
ALTER TABLE tasks ADD COLUMN attempts {int} NOT NULL DEFAULT 0;
)sql"},
};

// `sql` with every `token` replaced by `value`.
std::string replace_all(std::string sql, std::string_view token, std::string_view value) {
  for (size_t at = sql.find(token); at != std::string::npos; at = sql.find(token, at)) {
    sql.replace(at, token.size(), value);
    at += value.size();
  }
  return sql;
}

}  // namespace

std::vector<SchemaMigration> store_schema_migrations(const SchemaDialect& dialect) {
  std::vector<SchemaMigration> migrations;
  for (const Template& t : kTemplates) {
    std::string sql = replace_all(t.sql, "{id}", dialect.id);
    sql = replace_all(std::move(sql), "{int}", dialect.int64);
    migrations.push_back({t.version, replace_all(std::move(sql), "{bytes}", dialect.bytes)});
  }
  return migrations;
}

}  // namespace fastgpu
