#pragma once
// The back ends the store test suite runs against, as a value parameter: SQLite on a scratch
// file, and PostgreSQL on a database of its own per test.
//
// The PostgreSQL server comes from FASTGPU_TEST_POSTGRES_URL (scripts/postgres-for-tests.sh
// starts one; `make test` does it for you). The URL's role must be allowed to create databases.
// When the variable is unset, every PostgreSQL test FAILS, naming the variable, so that CI cannot
// skip them silently; set FASTGPU_TEST_POSTGRES=off to skip them instead (a machine without
// PostgreSQL).

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <ostream>
#include <random>
#include <string>

#include "store/postgres_conn.h"
#include "store/postgres_store.h"
#include "store/sqlite_store.h"
#include "store_test_util.h"

namespace fastgpu::testing_util {

enum class Backend { kSqlite, kPostgres };

/// Prints a back end by name in gtest's messages.
inline void PrintTo(Backend backend, std::ostream* os) {
  *os << (backend == Backend::kSqlite ? "SQLite" : "PostgreSQL");
}

/// "Sqlite" / "Postgres", for the names of parameterised tests.
inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

/// Both back ends, for INSTANTIATE_TEST_SUITE_P.
inline auto all_backends() { return ::testing::Values(Backend::kSqlite, Backend::kPostgres); }

/// The server URL the PostgreSQL tests use into *url, or "" after marking the current test
/// skipped or failed (see the file comment).
inline void postgres_test_url(std::string* url) {
  url->clear();
  const char* from_env = std::getenv("FASTGPU_TEST_POSTGRES_URL");
  if (from_env != nullptr && *from_env != '\0') {
    *url = from_env;
    return;
  }
  const char* mode = std::getenv("FASTGPU_TEST_POSTGRES");
  if (mode != nullptr && std::string(mode) == "off") {
    GTEST_SKIP() << "FASTGPU_TEST_POSTGRES=off: PostgreSQL tests skipped";
  }
  ADD_FAILURE() << "FASTGPU_TEST_POSTGRES_URL is not set: start a server with "
                   "scripts/postgres-for-tests.sh (or run `make test`), or set "
                   "FASTGPU_TEST_POSTGRES=off to skip the PostgreSQL tests";
}

/// `url` with its database name replaced by `dbname` (postgresql://host/DB?params).
inline std::string with_database(const std::string& url, const std::string& dbname) {
  const size_t authority = url.find("://") + 3;
  const size_t query = std::min(url.find('?', authority), url.size());
  const size_t slash = url.find('/', authority);
  const size_t path = slash < query ? slash : query;
  return url.substr(0, path) + "/" + dbname + url.substr(query);
}

/// A database of its own on the test server, dropped on destruction.
class ScratchPostgresDatabase {
 public:
  /// Creates the database; check ok() (false after a test failure or skip).
  ScratchPostgresDatabase() {
    postgres_test_url(&server_url_);
    if (server_url_.empty()) return;
    static std::atomic<int> counter{0};
    name_ = "fastgpu_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" +
            std::to_string(std::random_device{}() % 1000000);
    Status s = admin_exec("CREATE DATABASE " + name_);
    EXPECT_TRUE(s.is_ok()) << s.message();
    if (!s.is_ok()) name_.clear();
  }
  ~ScratchPostgresDatabase() {
    if (name_.empty()) return;
    Status s = admin_exec("DROP DATABASE " + name_ + " WITH (FORCE)");
    EXPECT_TRUE(s.is_ok()) << s.message();
  }
  ScratchPostgresDatabase(const ScratchPostgresDatabase&) = delete;
  ScratchPostgresDatabase& operator=(const ScratchPostgresDatabase&) = delete;

  bool ok() const { return !name_.empty(); }
  /// The URL of the scratch database.
  std::string url() const { return with_database(server_url_, name_); }

 private:
  Status admin_exec(const std::string& sql) {
    std::unique_ptr<PgConnection> admin;
    if (Status s = PgConnection::open(server_url_, &admin); !s.is_ok()) return s;
    return admin->exec(sql.c_str());
  }

  std::string server_url_;
  std::string name_;
};

/// A test with a scratch PostgreSQL database of its own, failed or skipped as the file comment
/// says when there is no server.
class PostgresDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (IsSkipped()) return;
    ASSERT_TRUE(db_.ok()) << "no database for the test";
  }

  ScratchPostgresDatabase db_;
};

/// The database of one test on one back end: opens (and reopens) stores on it.
class BackendDatabase {
 public:
  explicit BackendDatabase(Backend backend) : backend_(backend) {
    if (backend_ == Backend::kPostgres) postgres_ = std::make_unique<ScratchPostgresDatabase>();
  }

  /// False when the database could not be made (the test has failed or been skipped).
  bool ok() const { return postgres_ == nullptr || postgres_->ok(); }

  /// Opens a store on the test's database (a second one, or again after closing: it sees what
  /// the earlier ones committed).
  Status open(std::unique_ptr<Store>* out) {
    if (backend_ == Backend::kSqlite) {
      std::unique_ptr<SqliteStore> store;
      Status s = SqliteStore::open(dir_.file("state.db"), &store);
      *out = std::move(store);
      return s;
    }
    std::unique_ptr<PostgresStore> store;
    Status s = PostgresStore::open(postgres_->url(), &store);
    *out = std::move(store);
    return s;
  }

 private:
  Backend backend_;
  ScratchDir dir_;
  std::unique_ptr<ScratchPostgresDatabase> postgres_;
};

/// A test run once per back end (INSTANTIATE_TEST_SUITE_P with all_backends()), with the
/// database of its back end, failed or skipped as the file comment says when there is none.
class BackendTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (IsSkipped()) return;
    ASSERT_TRUE(db_.ok()) << "no database for the test";
  }

  /// A store on the test's database, or nullptr after failing the test.
  std::unique_ptr<Store> open_store() {
    std::unique_ptr<Store> store;
    Status s = db_.open(&store);
    EXPECT_TRUE(s.is_ok()) << s.message();
    return store;
  }

  BackendDatabase db_{GetParam()};
};

}  // namespace fastgpu::testing_util
