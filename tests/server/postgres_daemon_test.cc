// fastgpud on a PostgreSQL store (--store postgresql://...): state survives the daemon, and a
// second daemon with another data directory picks it up from the database alone.

#include <gtest/gtest.h>

#include "../store/store_backends.h"
#include "daemon_process.h"

namespace fastgpu::testing {
namespace {

class PostgresDaemonTest : public testing_util::PostgresDatabaseTest {};

TEST_F(PostgresDaemonTest, TasksSurviveTheDaemonInTheDatabase) {
  int64_t first = 0;
  {
    TempDir dir;
    DaemonProcess daemon(dir.path(), {"--store", db_.url(), "--simulate-gpus", "1xA100-80GB"});
    ASSERT_TRUE(daemon.started()) << daemon.log();
    const Answer a = daemon.post("/v1/tasks", R"({"seconds": 0.05, "gpu": 0.5, "name": "pg"})");
    ASSERT_EQ(a.status, 201) << a.body;
    first = a.json["id"];
    const Answer done = daemon.get("/v1/tasks/" + std::to_string(first) + "/wait?timeout=30");
    EXPECT_EQ(done.json["state"], "succeeded") << done.body;
    EXPECT_EQ(daemon.stop(), 0);
  }
  TempDir other_dir;  // nothing of the first daemon's directory is needed
  DaemonProcess daemon(other_dir.path(), {"--store", db_.url(), "--simulate-gpus", "1xA100-80GB"});
  ASSERT_TRUE(daemon.started()) << daemon.log();
  const Answer task = daemon.get("/v1/tasks/" + std::to_string(first));
  EXPECT_EQ(task.json["state"], "succeeded") << task.body;
  EXPECT_EQ(task.json["name"], "pg");
  const Answer next = daemon.post("/v1/tasks", R"({"seconds": 0.05, "gpu": 0.5})");
  ASSERT_EQ(next.status, 201) << next.body;
  EXPECT_EQ(next.json["id"], first + 1);
}

TEST(PostgresDaemonFlags, BadStoreUrlRefusesToStartNamingTheProblem) {
  TempDir dir;
  std::string log;
  EXPECT_EQ(run_fastgpud_to_exit({"--data-dir", dir.path(), "--store",
                                  "postgresql://u:secret@h:99999/d", "--listen", "127.0.0.1:0"},
                                 &log),
            1);
  EXPECT_NE(log.find("port '99999'"), std::string::npos) << log;
  EXPECT_EQ(log.find("secret"), std::string::npos) << log;
}

}  // namespace
}  // namespace fastgpu::testing
