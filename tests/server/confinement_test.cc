// What a tenant's task can and cannot do, tried as a hostile tenant would against a real
// fastgpud with user tokens.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "daemon_process.h"

namespace fastgpu::testing {
namespace {

constexpr const char* kAlice = "alice-token-0123456789";
constexpr const char* kAdmin = "admin-token-0123456789";

class ConfinementTest : public ::testing::Test {
 protected:
  static std::string tokens_file(const TempDir& dir) {
    const std::string path = dir.path() + "/tokens";
    std::ofstream(path) << kAlice << " alice\n" << kAdmin << " root admin\n";
    return path;
  }
  // Runs `argv` as alice and returns its stdout once it ended.
  std::string output_of(const nlohmann::json& argv) {
    const Answer a = daemon_.post("/v1/tasks", nlohmann::json{{"argv", argv}}.dump(), kAlice);
    EXPECT_EQ(a.status, 201) << a.body;
    const std::string path = "/v1/tasks/" + std::to_string(int64_t{a.json["id"]});
    EXPECT_EQ(daemon_.get(path + "/wait?timeout=60", kAlice).json["state"], "succeeded");
    return daemon_.get(path + "/logs", kAlice).body;
  }

  TempDir dir_;
  // The daemon's environment holds a secret its tasks must not see.
  bool secret_set_ = ::setenv("FASTGPU_TEST_DAEMON_SECRET", "only-the-daemon-knows", 1) == 0;
  DaemonProcess daemon_{dir_.path(), {"--tokens-file", tokens_file(dir_)}};
};

TEST_F(ConfinementTest, ATaskSeesAMinimalEnvironmentAndNoneOfTheDaemons) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  ::unsetenv("FASTGPU_TEST_DAEMON_SECRET");
  const std::string env = output_of({"env"});
  EXPECT_EQ(env.find("only-the-daemon-knows"), std::string::npos) << env;
  EXPECT_NE(env.find("USER=alice\n"), std::string::npos) << env;
  EXPECT_NE(env.find("PATH=/usr/local/sbin:"), std::string::npos) << env;
  EXPECT_NE(env.find("FASTGPU_TASK_ID="), std::string::npos) << env;
}

TEST_F(ConfinementTest, VariablesFastGpuOwnsCannotBeSet) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  for (const char* name : {"FASTGPU_VGPU_BURST", "FASTGPU_VGPU_MEMORY_LIMIT", "LD_PRELOAD",
                           "LD_AUDIT", "CUDA_VISIBLE_DEVICES"}) {
    const nlohmann::json task = {{"argv", {"true"}}, {"env", {{name, "1"}}}};
    const Answer refused = daemon_.post("/v1/tasks", task.dump(), kAlice);
    EXPECT_EQ(refused.status, 400) << name << " " << refused.body;
    EXPECT_NE(refused.body.find(name), std::string::npos) << refused.body;
  }
}

TEST_F(ConfinementTest, OnlyAnAdminMayTurnEnforcementOffForAFractionalSlice) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  const std::string fractional = R"({"argv": ["true"], "gpu": 0.5, "enforce": false})";
  const Answer refused = daemon_.post("/v1/tasks", fractional, kAlice);
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_NE(refused.body.find("enforce"), std::string::npos) << refused.body;
  EXPECT_EQ(daemon_.post("/v1/tasks", fractional, kAdmin).status, 201);
  // Whole GPUs are not sliced: anyone may opt out there.
  EXPECT_EQ(daemon_.post("/v1/tasks", R"({"argv": ["true"], "gpus": 1, "enforce": false})", kAlice)
                .status,
            201);
}

}  // namespace
}  // namespace fastgpu::testing
