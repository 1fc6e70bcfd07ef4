#include <gtest/gtest.h>

#include "store/sqlite_schema.h"
#include "store/sqlite_store.h"
#include "store_test_util.h"

namespace fastgpu {
namespace {

using testing_util::ScratchDir;

std::unique_ptr<SqliteDb> open_raw(const std::string& path) {
  std::unique_ptr<SqliteDb> db;
  EXPECT_TRUE(SqliteDb::open(path, {}, &db).is_ok());
  return db;
}

int schema_version(const std::string& path) {
  int version = -1;
  EXPECT_TRUE(read_sqlite_schema_version(open_raw(path).get(), &version).is_ok());
  return version;
}

// A file as the first release (schema version 1) left it, holding one running task.
void write_version_1_file(const std::string& path) {
  std::unique_ptr<SqliteDb> db = open_raw(path);
  ASSERT_TRUE(migrate_sqlite_schema(db.get(), 1).is_ok());
  ASSERT_TRUE(db->exec(R"sql(
      INSERT INTO vgpus VALUES (1, 'alice', 20000, 500, 16384, 'active', 0, 1, 100, 0);
      INSERT INTO tasks (id, seq, owner, name, priority, cpu_milli, memory_mib, num_gpu,
        gpu_milli, gpu_memory_mib, allowed_models, milli_tflops, vgpu_id, kind, argv, env, cwd,
        synthetic_mtflops, synthetic_ms, max_retries, timeout_ms, state, retries_used, node, gpus,
        pid, process_start_time, exit_code, failure_reason, created_at_us, started_at_us,
        ended_at_us)
      VALUES (7, 7, 'alice', 'old', 3, 1000, 512, 1, 500, 0, -1, 20000, 1, 'synthetic', x'', x'',
        '', 20000, 5000, 1, 0, 'running', 0, 0, 1, 321, 654, NULL, '', 100, 200, 0);
      )sql")
                  .is_ok());
}

TEST(SqliteStoreMigration, NewFileStartsAtTheLatestVersion) {
  ScratchDir dir;
  std::unique_ptr<SqliteStore> store;
  ASSERT_TRUE(SqliteStore::open(dir.file("new.db"), &store).is_ok());
  store.reset();
  EXPECT_EQ(schema_version(dir.file("new.db")), latest_sqlite_schema_version());
  EXPECT_GE(latest_sqlite_schema_version(), 2);
}

TEST(SqliteStoreMigration, OldFileIsMigratedAndKeepsItsRows) {
  ScratchDir dir;
  const std::string path = dir.file("v1.db");
  write_version_1_file(path);
  ASSERT_EQ(schema_version(path), 1);

  std::unique_ptr<SqliteStore> store;
  ASSERT_TRUE(SqliteStore::open(path, &store).is_ok());
  TaskRecord task;
  ASSERT_TRUE(store->get_task(7, &task).is_ok());
  EXPECT_EQ(task.spec.name, "old");
  EXPECT_EQ(task.spec.priority, 3);
  EXPECT_EQ(task.spec.shape.allowed_models, kAnyGpuModel);
  EXPECT_EQ(task.spec.kind, WorkKind::kSynthetic);
  EXPECT_EQ(task.spec.synthetic, (SyntheticLoad{20000, 5000}));
  EXPECT_EQ(task.spec.vgpu, 1);
  EXPECT_EQ(task.state, TaskState::kRunning);
  EXPECT_EQ(task.placement, (Placement{0, 1}));
  EXPECT_EQ(task.pid, 321);
  EXPECT_EQ(task.stdout_path, "");  // column added by version 2
  EXPECT_EQ(task.started_at_us, 200);

  // Version 2's owner index serves the listing; new ids continue after the old ones.
  TaskPage page;
  TaskFilter filter = testing_util::owner_filter("alice");
  filter.vgpu = 1;
  ASSERT_TRUE(store->list_tasks(filter, &page).is_ok());
  ASSERT_EQ(page.tasks.size(), 1u);
  TaskSpec spec = testing_util::simple_spec("alice");
  spec.vgpu = 1;
  TaskId id = 0;
  ASSERT_TRUE(store->create_task(spec, &id).is_ok());
  EXPECT_EQ(id, 8);
  store.reset();
  EXPECT_EQ(schema_version(path), latest_sqlite_schema_version());
}

TEST(SqliteStoreMigration, NewerFileIsRefusedAndLeftAlone) {
  ScratchDir dir;
  const std::string path = dir.file("future.db");
  {
    std::unique_ptr<SqliteDb> db = open_raw(path);
    const std::string sql =
        "PRAGMA user_version=" + std::to_string(latest_sqlite_schema_version() + 1);
    ASSERT_TRUE(db->exec(sql.c_str()).is_ok());
  }
  std::unique_ptr<SqliteStore> store;
  Status s = SqliteStore::open(path, &store);
  EXPECT_EQ(s.code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(s.message().find("newer"), std::string::npos) << s.message();
  EXPECT_EQ(schema_version(path), latest_sqlite_schema_version() + 1);
}

TEST(SqliteStoreMigration, FailedMigrationChangesNothing) {
  ScratchDir dir;
  const std::string path = dir.file("clash.db");
  write_version_1_file(path);
  // An object in the way of version 2 makes its migration fail half way through.
  ASSERT_TRUE(open_raw(path)->exec("CREATE INDEX tasks_by_owner ON tasks (name);").is_ok());

  std::unique_ptr<SqliteStore> store;
  Status s = SqliteStore::open(path, &store);
  EXPECT_EQ(s.code(), Status::Code::kIoError);
  EXPECT_NE(s.message().find("version 2"), std::string::npos) << s.message();
  EXPECT_EQ(schema_version(path), 1);
  // Version 2's first step (a new column) was rolled back with the rest.
  std::unique_ptr<SqliteDb> db = open_raw(path);
  EXPECT_FALSE(db->exec("SELECT stdout_path FROM tasks;").is_ok());
}

TEST(SqliteStoreMigration, UnknownTargetIsRefused) {
  ScratchDir dir;
  std::unique_ptr<SqliteDb> db = open_raw(dir.file("x.db"));
  EXPECT_EQ(migrate_sqlite_schema(db.get(), latest_sqlite_schema_version() + 1).code(),
            Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace fastgpu
