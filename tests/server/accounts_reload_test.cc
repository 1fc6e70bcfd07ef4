// Rereading fastgpud's accounts file while it runs: SIGHUP and POST /v1/accounts/reload move
// work to its users' new projects and apply new limits; a bad file changes nothing.

#include <gtest/gtest.h>

#include <csignal>

#include "daemon_process.h"
#include "project_watch.h"

namespace fastgpu::testing {
namespace {

// three_project_flags()'s projects with capped's max_gpus set to `capped_gpus` and bob in
// `bobs_project`.
std::string Accounts(int capped_gpus, const std::string& bobs_project) {
  return "[projects.vision]\nshare = 3\nusers = [\"alice\"" +
         std::string(bobs_project == "vision" ? ", \"bob\"" : "") +
         "]\n[projects.nlp]\nshare = 1\nusers = [" +
         std::string(bobs_project == "nlp" ? "\"bob\"" : "") +
         "]\n[projects.capped]\nmax_gpus = " + std::to_string(capped_gpus) +
         "\nmax_priority = 100\nusers = [\"carol\"]\n";
}

int GpusHeldBy(const DaemonProcess& daemon, const std::string& user) {
  return loads_by_owner(daemon, kAdminToken)[user].gpus_held;
}

TEST(AccountsReload, SighupAndTheAdminCallApplyANewFileAndABadOneChangesNothing) {
  TempDir dir;
  const std::vector<std::string> flags = three_project_flags(dir);
  const std::string file = flags.back();
  DaemonProcess daemon(dir.path(), flags);
  ASSERT_TRUE(daemon.started()) << daemon.log();
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(daemon.post("/v1/tasks", R"({"gpus": 1, "seconds": 60})", token_of("carol")).status,
              201);
  }
  const Answer bobs = daemon.post("/v1/tasks", R"({"gpus": 1, "seconds": 60})", token_of("bob"));
  ASSERT_EQ(bobs.status, 201);
  ASSERT_TRUE(
      eventually([&] { return GpusHeldBy(daemon, "carol") == 2; }, std::chrono::seconds(10)));

  // SIGHUP: capped may now hold 4 GPUs.
  write_private_file(file, Accounts(4, "nlp"));
  ASSERT_EQ(::kill(daemon.pid(), SIGHUP), 0);
  EXPECT_TRUE(
      eventually([&] { return GpusHeldBy(daemon, "carol") == 4; }, std::chrono::seconds(10)))
      << daemon.log();
  EXPECT_NE(daemon.log().find("accounts reloaded from"), std::string::npos) << daemon.log();

  // A bad file is refused naming its line, and the accounts in force stay.
  write_private_file(file, Accounts(4, "nlp") + "[projects.x]\nshare = -1\n");
  const Answer bad = daemon.post("/v1/accounts/reload", "{}", kAdminToken);
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_NE(bad.body.find("line"), std::string::npos) << bad.body;
  EXPECT_NE(bad.body.find("stay"), std::string::npos) << bad.body;
  EXPECT_EQ(daemon.post("/v1/accounts/reload", "{}", token_of("bob")).status, 403);

  // The admin call moves bob, and his running task, to vision.
  write_private_file(file, Accounts(4, "vision"));
  const Answer good = daemon.post("/v1/accounts/reload", "{}", kAdminToken);
  ASSERT_EQ(good.status, 200) << good.body;
  const std::string bobs_task = "/v1/tasks/" + std::to_string(bobs.json["id"].get<int>());
  EXPECT_TRUE(
      eventually([&] { return daemon.get(bobs_task, kAdminToken).json["project"] == "vision"; },
                 std::chrono::seconds(5)));
  EXPECT_TRUE(eventually(
      [&] {
        return daemon.get("/metrics")
                   .body.find("fastgpu_project_gpus_held{project=\"vision\"} 1") !=
               std::string::npos;
      },
      std::chrono::seconds(5)));
  EXPECT_EQ(GpusHeldBy(daemon, "carol"), 4);
}

TEST(AccountsReload, WithoutAnAccountsFileThereIsNothingToReload) {
  TempDir dir;
  DaemonProcess daemon(dir.path());
  ASSERT_TRUE(daemon.started()) << daemon.log();
  const Answer answer = daemon.post("/v1/accounts/reload", "{}");
  EXPECT_EQ(answer.status, 409) << answer.body;
  EXPECT_NE(answer.body.find("--accounts"), std::string::npos) << answer.body;
  ASSERT_EQ(::kill(daemon.pid(), SIGHUP), 0);  // logged, not fatal
  EXPECT_TRUE(eventually([&] { return daemon.log().find("SIGHUP") != std::string::npos; },
                         std::chrono::seconds(5)));
  EXPECT_EQ(daemon.get("/healthz").status, 200);
}

}  // namespace
}  // namespace fastgpu::testing
