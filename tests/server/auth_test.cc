// Bearer tokens against a real fastgpud: users see and cancel only their own work.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "daemon_process.h"

namespace fastgpu::testing {
namespace {

constexpr const char* kAlice = "alice-token-0123456789";
constexpr const char* kBob = "bob-token-0123456789ab";
constexpr const char* kAdmin = "admin-token-0123456789";

std::string write_tokens(const TempDir& dir) {
  return write_private_file(dir.path() + "/tokens", "# token user [admin]\n" + std::string(kAlice) +
                                                        " alice\n" + kBob + " bob\n" + kAdmin +
                                                        " root admin\n");
}

TEST(AuthTest, UsersSeeAndCancelOnlyTheirOwnTasks) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), {"--tokens-file", write_tokens(dir)});
  ASSERT_TRUE(daemon.started()) << daemon.log();
  EXPECT_EQ(daemon.get("/v1/tasks").status, 401);
  EXPECT_EQ(daemon.get("/v1/tasks", "wrong-token-0123456789").json["error"]["code"],
            "unauthenticated");
  EXPECT_EQ(daemon.get("/healthz").status, 200);  // health needs no token

  const Answer mine = daemon.post("/v1/tasks", R"({"argv": ["sleep", "30"]})", kAlice);
  ASSERT_EQ(mine.status, 201) << mine.body;
  EXPECT_EQ(mine.json["owner"], "alice");
  const std::string path = "/v1/tasks/" + std::to_string(int64_t{mine.json["id"]});

  EXPECT_EQ(daemon.get(path, kBob).status, 404);
  EXPECT_EQ(daemon.post(path + "/cancel", "", kBob).status, 404);
  EXPECT_TRUE(daemon.get("/v1/tasks", kBob).json["tasks"].empty());
  EXPECT_EQ(daemon.get(path, kAlice).status, 200);
  EXPECT_EQ(daemon.get("/v1/tasks", kAdmin).json["tasks"].size(), 1u);

  const Answer vgpu = daemon.post("/v1/vgpus", R"({"gpu": 0.25})", kAlice);
  ASSERT_EQ(vgpu.status, 201);
  const std::string v = std::to_string(int64_t{vgpu.json["id"]});
  EXPECT_EQ(daemon.post("/v1/tasks", R"({"argv": ["true"], "vgpu": )" + v + "}", kBob).status, 404);
  EXPECT_EQ(daemon.del("/v1/vgpus/" + v, kBob).status, 404);
  EXPECT_TRUE(daemon.get("/v1/vgpus", kBob).json["vgpus"].empty());

  EXPECT_EQ(daemon.post(path + "/cancel", "", kAlice).json["state"], "cancelled");
}

TEST(AuthTest, NonLoopbackListenWithoutTokensRefusesToStart) {
  TempDir dir;
  std::string log;
  const int code = run_fastgpud_to_exit({"--data-dir", dir.path(), "--listen", "0.0.0.0:0"}, &log);
  EXPECT_EQ(code, 1);
  EXPECT_NE(log.find("without tokens"), std::string::npos) << log;
}

// The exit code and log of a fastgpud started with a tokens file holding `text` with `mode`.
int start_with_tokens(const std::string& text, mode_t mode, std::string* log) {
  TempDir dir;
  const std::string tokens = write_private_file(dir.path() + "/tokens", text);
  ::chmod(tokens.c_str(), mode);
  return run_fastgpud_to_exit(
      {"--data-dir", dir.path() + "/state", "--listen", "127.0.0.1:0", "--tokens-file", tokens},
      log);
}

TEST(AuthTest, BadTokensFileRefusesToStart) {
  std::string log;
  EXPECT_EQ(start_with_tokens("short alice\n", 0600, &log), 1);
  EXPECT_NE(log.find("tokens:1"), std::string::npos) << log;
}

TEST(AuthTest, ATokensFileWithNoTokenRefusesToStart) {
  // Auth would silently be off: every caller the admin.
  std::string log;
  EXPECT_EQ(start_with_tokens("# tokens go here\n\n", 0600, &log), 1);
  EXPECT_NE(log.find("has no token"), std::string::npos) << log;
}

TEST(AuthTest, ATokensFileOthersMayReadRefusesToStart) {
  std::string log;
  EXPECT_EQ(start_with_tokens(std::string(kAlice) + " alice\n", 0644, &log), 1);
  EXPECT_NE(log.find("chmod 600"), std::string::npos) << log;
}

TEST(AuthTest, TokensFromTheEnvironment) {
  TempDir dir;
  ::setenv("FASTGPU_TOKENS", "alice-token-0123456789 alice", 1);
  DaemonProcess daemon(dir.path());
  ::unsetenv("FASTGPU_TOKENS");
  ASSERT_TRUE(daemon.started()) << daemon.log();
  EXPECT_EQ(daemon.get("/v1/tasks").status, 401);
  EXPECT_EQ(daemon.get("/v1/tasks", kAlice).status, 200);
}

}  // namespace
}  // namespace fastgpu::testing
