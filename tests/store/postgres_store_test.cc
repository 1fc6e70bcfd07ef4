// What only the PostgreSQL back end has: URL checks, connection errors, its schema versions,
// and several stores (replicas) writing to one database.

#include "store/postgres_store.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "store/postgres_schema.h"
#include "store/postgres_url.h"
#include "store/store_factory.h"
#include "store_backends.h"

namespace fastgpu {
namespace {

using testing_util::simple_spec;

TEST(PostgresUrl, RecognisesBothSchemes) {
  EXPECT_TRUE(is_postgres_url("postgresql://db.example/fastgpu"));
  EXPECT_TRUE(is_postgres_url("postgres://u@h:5433/d"));
  EXPECT_FALSE(is_postgres_url("/var/lib/fastgpu/fastgpu.db"));
  EXPECT_FALSE(is_postgres_url("mysql://h/d"));
  EXPECT_FALSE(is_postgres_url("postgresql:/h/d"));
}

TEST(PostgresUrl, MalformedUrlsAreRefusedNamingTheProblem) {
  EXPECT_TRUE(validate_postgres_url("postgresql://u:p@h:5432/d?sslmode=disable").is_ok());
  Status scheme = validate_postgres_url("mysql://h/d");
  EXPECT_EQ(scheme.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(scheme.message().find("postgresql://"), std::string::npos) << scheme.message();
  Status param = validate_postgres_url("postgresql://u:secret@h/d?no_such_option=1");
  EXPECT_EQ(param.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(param.message().find("no_such_option"), std::string::npos) << param.message();
  EXPECT_EQ(param.message().find("secret"), std::string::npos) << param.message();
  Status port = validate_postgres_url("postgresql://h:notaport/d");
  EXPECT_EQ(port.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(port.message().find("port"), std::string::npos) << port.message();
  EXPECT_FALSE(validate_postgres_url("postgresql://h:70000/d").is_ok());
  EXPECT_TRUE(validate_postgres_url("postgresql://h1:5432,h2:5433/d").is_ok());
}

TEST(PostgresUrl, RedactionHidesOnlyThePassword) {
  EXPECT_EQ(redact_postgres_url("postgresql://alice:s3cr3t@db:5432/fastgpu?x=1"),
            "postgresql://alice:***@db:5432/fastgpu?x=1");
  EXPECT_EQ(redact_postgres_url("postgres://alice@db/fastgpu"), "postgres://alice@db/fastgpu");
  EXPECT_EQ(redact_postgres_url("postgresql://db/fastgpu"), "postgresql://db/fastgpu");
  EXPECT_EQ(describe_store("/tmp/x.db"), "/tmp/x.db");
}

TEST(PostgresStoreOpen, UnreachableServerIsAnIoErrorWithoutThePassword) {
  std::unique_ptr<Store> store;
  // Port 1 on loopback: nothing listens there, so the connection is refused at once.
  Status s = open_store("postgresql://alice:s3cr3t@127.0.0.1:1/fastgpu?connect_timeout=2", &store);
  EXPECT_EQ(s.code(), Status::Code::kIoError);
  EXPECT_NE(s.message().find("127.0.0.1"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("s3cr3t"), std::string::npos) << s.message();
  EXPECT_EQ(store, nullptr);
  EXPECT_EQ(open_store("", &store).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(open_store("postgresql://h/d?bogus=1", &store).code(), Status::Code::kInvalidArgument);
}

// The owner of replica r's tasks (built by appending: GCC 12 warns falsely on "r" + string).
std::string replica_owner(int r) {
  std::string owner = "r";
  owner += std::to_string(r);
  return owner;
}

class PostgresStoreTest : public testing_util::PostgresDatabaseTest {
 protected:
  std::unique_ptr<PostgresStore> open() {
    std::unique_ptr<PostgresStore> store;
    Status s = PostgresStore::open(db_.url(), &store);
    EXPECT_TRUE(s.is_ok()) << s.message();
    return store;
  }

  std::unique_ptr<PgConnection> connect() {
    std::unique_ptr<PgConnection> conn;
    Status s = PgConnection::open(db_.url(), &conn);
    EXPECT_TRUE(s.is_ok()) << s.message();
    return conn;
  }
};

TEST_F(PostgresStoreTest, NewDatabaseStartsAtTheLatestVersion) {
  ASSERT_NE(open(), nullptr);
  int version = -1;
  ASSERT_TRUE(read_postgres_schema_version(connect().get(), &version).is_ok());
  EXPECT_EQ(version, latest_postgres_schema_version());
  EXPECT_GE(version, 3);
}

TEST_F(PostgresStoreTest, OldSchemaIsMigratedAndKeepsItsRows) {
  {
    std::unique_ptr<PgConnection> conn = connect();
    ASSERT_TRUE(migrate_postgres_schema(conn.get(), 1).is_ok());
    ASSERT_TRUE(conn->exec(R"sql(
      INSERT INTO tasks (id, seq, owner, name, priority, cpu_milli, memory_mib, num_gpu,
        gpu_milli, gpu_memory_mib, allowed_models, milli_tflops, vgpu_id, kind, argv, env, cwd,
        synthetic_mtflops, synthetic_ms, max_retries, timeout_ms, state, retries_used, node, gpus,
        pid, process_start_time, exit_code, failure_reason, created_at_us, started_at_us,
        ended_at_us)
      VALUES (7, 7, 'alice', 'old', 3, 1000, 512, 1, 500, 0, -1, 0, NULL, 'synthetic', '', '',
        '', 20000, 5000, 1, 0, 'running', 0, 0, 1, 321, 654, NULL, '', 100, 200, 0);
      )sql")
                    .is_ok());
  }
  std::unique_ptr<PostgresStore> store = open();
  ASSERT_NE(store, nullptr);
  TaskRecord task;
  ASSERT_TRUE(store->get_task(7, &task).is_ok());
  EXPECT_EQ(task.spec.name, "old");
  EXPECT_EQ(task.spec.shape.allowed_models, kAnyGpuModel);
  EXPECT_TRUE(task.spec.enforce);   // column added by version 3, with its default
  EXPECT_EQ(task.stdout_path, "");  // column added by version 2
  TaskId id = 0;
  ASSERT_TRUE(store->create_task(simple_spec("alice"), &id).is_ok());
  EXPECT_EQ(id, 8);
}

TEST_F(PostgresStoreTest, NewerSchemaIsRefusedAndLeftAlone) {
  ASSERT_NE(open(), nullptr);
  const int newer = latest_postgres_schema_version() + 1;
  ASSERT_TRUE(connect()
                  ->exec(("UPDATE fastgpu_schema SET version = " + std::to_string(newer)).c_str())
                  .is_ok());
  std::unique_ptr<PostgresStore> store;
  Status s = PostgresStore::open(db_.url(), &store);
  EXPECT_EQ(s.code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(s.message().find("newer"), std::string::npos) << s.message();
  int version = 0;
  ASSERT_TRUE(read_postgres_schema_version(connect().get(), &version).is_ok());
  EXPECT_EQ(version, newer);
}

TEST_F(PostgresStoreTest, ConnectionsDroppedByTheServerAreReplacedUnnoticed) {
  std::unique_ptr<PostgresStore> store = open();
  TaskId first = 0;
  ASSERT_TRUE(store->create_task(simple_spec("alice"), &first).is_ok());
  TaskRecord task;
  ASSERT_TRUE(store->get_task(first, &task).is_ok());  // a read connection is now pooled
  // What a server restart does to the store's idle connections.
  ASSERT_TRUE(connect()
                  ->exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                         "current_database() AND pid <> pg_backend_pid()")
                  .is_ok());
  TaskId second = 0;
  Status write = store->create_task(simple_spec("alice"), &second);
  ASSERT_TRUE(write.is_ok()) << write.message();
  EXPECT_EQ(second, first + 1);
  Status read = store->get_task(second, &task);
  ASSERT_TRUE(read.is_ok()) << read.message();
  EXPECT_EQ(task.id, second);
}

TEST_F(PostgresStoreTest, ReplicasWritingTogetherGetDistinctIdsInCommitOrder) {
  constexpr int kReplicas = 3;
  constexpr int kPerReplica = 60;
  std::vector<std::unique_ptr<PostgresStore>> replicas;
  for (int r = 0; r < kReplicas; ++r) replicas.push_back(open());
  std::vector<std::vector<TaskId>> ids(kReplicas);
  std::vector<std::thread> threads;
  for (int r = 0; r < kReplicas; ++r) {
    threads.emplace_back([&, r] {
      for (int i = 0; i < kPerReplica; ++i) {
        TaskId id = 0;
        Status s = replicas[r]->create_task(simple_spec(replica_owner(r)), &id);
        if (!s.is_ok()) ADD_FAILURE() << s.message();
        ids[r].push_back(id);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::set<TaskId> distinct;
  for (const auto& per_replica : ids) {
    EXPECT_TRUE(std::is_sorted(per_replica.begin(), per_replica.end()));
    distinct.insert(per_replica.begin(), per_replica.end());
  }
  ASSERT_EQ(distinct.size(), size_t{kReplicas * kPerReplica});
  EXPECT_EQ(*distinct.begin(), 1);
  EXPECT_EQ(*distinct.rbegin(), kReplicas * kPerReplica);
  // Every replica reads what the others committed.
  TaskRecord task;
  ASSERT_TRUE(replicas[0]->get_task(ids[kReplicas - 1].back(), &task).is_ok());
  EXPECT_EQ(task.spec.owner, replica_owner(kReplicas - 1));
}

}  // namespace
}  // namespace fastgpu
