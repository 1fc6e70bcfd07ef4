// The exec provider runs real scripts: their exit status and output become the decision's
// detail, what a finished script leaves running survives it, and a script past its timeout is
// killed with everything in its process group.

#include "server/cluster/exec_provider.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "daemon_process.h"

namespace fastgpu::testing {
namespace {

using std::chrono::milliseconds;

// The pid the script wrote to `path`, 0 when there is none.
pid_t pid_in(const std::string& path) {
  pid_t pid = 0;
  std::ifstream(path) >> pid;
  return pid;
}

// Starts a `sleep 60` in the background, records its pid in DIR/left.pid, then runs `rest`.
std::string leaves_a_sleeper(const std::string& dir, const std::string& rest) {
  return "sleep 60 &\necho $! > " + dir + "/left.pid\n" + rest;
}

ExecProvider provider_in(const std::string& dir, milliseconds timeout) {
  return ExecProvider(ExecProvider::Config{dir, "http://127.0.0.1:1", dir, timeout});
}

TEST(ExecProvider, ScaleUpGetsTheTypeCountAndNamesAndReportsItsOutput) {
  TempDir dir;
  write_script(dir.path(), "scale-up", "echo up $1 $2: $FASTGPU_NODE_NAMES at $FASTGPU_SERVER\n");
  write_script(dir.path(), "scale-down", "echo down $1; exit 3\n");
  ExecProvider provider = provider_in(dir.path(), milliseconds(10000));
  NodeType type;
  type.name = "2xA100";
  std::string detail;
  ASSERT_TRUE(provider.scale_up(type, {"n-1", "n-2"}, &detail).is_ok()) << detail;
  EXPECT_EQ(detail, "exited with code 0; output: up 2xA100 2: n-1 n-2 at http://127.0.0.1:1");
  const Status down = provider.scale_down("n-1", &detail);
  EXPECT_FALSE(down.is_ok());
  EXPECT_EQ(detail, "exited with code 3; output: down n-1");
  EXPECT_NE(down.message().find("scale-down exited with code 3"), std::string::npos)
      << down.message();
}

TEST(ExecProvider, TheInterruptionsScriptReportsEachLiveNodeReclaimedOnce) {
  TempDir dir;
  write_script(dir.path(), "scale-up", "true\n");
  write_script(dir.path(), "scale-down", "true\n");
  ExecProvider provider = provider_in(dir.path(), milliseconds(10000));
  EXPECT_TRUE(provider.poll().empty()) << "no interruptions script: nothing to report";
  // It is told the live nodes, and names one of them, a stranger and an empty line; what it
  // says on stderr (n-1 here) names nothing.
  write_script(dir.path(), "interruptions",
               "echo \"$FASTGPU_NODE_NAMES\" > " + dir.path() +
                   "/asked\necho 'n-2 two-minute notice'\necho stranger\necho\necho n-1 >&2\n");
  NodeType type;
  type.name = "spot";
  std::string detail;
  ASSERT_TRUE(provider.scale_up(type, {"n-1", "n-2"}, &detail).is_ok()) << detail;
  std::vector<ProviderNote> notes = provider.poll();
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].node, "n-2");
  EXPECT_TRUE(notes[0].interrupted);
  EXPECT_NE(notes[0].detail.find("two-minute notice"), std::string::npos) << notes[0].detail;
  std::string asked;
  std::getline(std::ifstream(dir.path() + "/asked"), asked);
  EXPECT_EQ(asked, "n-1 n-2");
  EXPECT_TRUE(provider.poll().empty()) << "n-2 was reported already";
}

TEST(ExecProvider, WhatAFinishedScriptLeavesRunningSurvivesIt) {
  TempDir dir;
  write_script(dir.path(), "scale-up", leaves_a_sleeper(dir.path(), "echo started\n"));
  write_script(dir.path(), "scale-down", "true\n");
  std::string detail;
  ASSERT_TRUE(
      provider_in(dir.path(), milliseconds(10000)).scale_up(NodeType{}, {"n"}, &detail).is_ok())
      << detail;
  const pid_t left = pid_in(dir.path() + "/left.pid");
  ASSERT_GT(left, 0);
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_TRUE(alive(left));
  ::kill(left, SIGKILL);
}

TEST(ExecProvider, AScriptPastItsTimeoutIsKilledWithItsProcessGroup) {
  TempDir dir;
  write_script(dir.path(), "scale-up", leaves_a_sleeper(dir.path(), "echo waiting\nsleep 60\n"));
  write_script(dir.path(), "scale-down", "true\n");
  std::string detail;
  const auto began = std::chrono::steady_clock::now();
  const Status s = provider_in(dir.path(), milliseconds(300)).scale_up(NodeType{}, {"n"}, &detail);
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(30));
  EXPECT_FALSE(s.is_ok());
  EXPECT_EQ(detail, "killed by signal 9 (SIGKILL) (timed out); output: waiting");
  const pid_t left = pid_in(dir.path() + "/left.pid");
  ASSERT_GT(left, 0);
  EXPECT_TRUE(eventually([left] { return !alive(left); }, milliseconds(5000)));
}

TEST(ExecProvider, AScriptThatCannotStartIsAnError) {
  TempDir dir;
  std::string detail;
  const Status s = provider_in(dir.path(), milliseconds(1000)).scale_down("n", &detail);
  EXPECT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("scale-down"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace fastgpu::testing
