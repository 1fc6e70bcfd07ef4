// list_group_leaders(): real processes, found by where their stdout goes.

#include "runtime/group_leaders.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "runtime/process_launcher.h"

namespace fastgpu {
namespace {

namespace fs = std::filesystem;

// Whether `pid` is among `leaders`, with fd 1 on `target`.
bool listed(const std::vector<GroupLeader>& leaders, pid_t pid, const std::string& target) {
  return std::any_of(leaders.begin(), leaders.end(), [&](const GroupLeader& leader) {
    return leader.identity.pid == pid && leader.stdout_target == target;
  });
}

class GroupLeadersTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "fastgpu-leaders-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = fs::canonical(pattern);
  }
  void TearDown() override {
    for (pid_t pid : started_) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    fs::remove_all(dir_);
  }

  // Starts `argv` in its own process group, stdout to `name` in the test's directory.
  LaunchedProcess start(std::vector<std::string> argv, const std::string& name) {
    LaunchSpec spec;
    spec.argv = std::move(argv);
    spec.stdout_path = (dir_ / name).string();
    LaunchedProcess process;
    EXPECT_TRUE(launch_process(spec, &process).is_ok());
    started_.push_back(process.identity.pid);
    return process;
  }

  fs::path dir_;
  std::vector<pid_t> started_;
};

TEST_F(GroupLeadersTest, FindsAGroupLeaderByItsStdoutFileWithItsIdentity) {
  const LaunchedProcess process = start({"sleep", "30"}, "task-7.out");
  const std::vector<GroupLeader> leaders = list_group_leaders();
  ASSERT_TRUE(listed(leaders, process.identity.pid, (dir_ / "task-7.out").string()));
  for (const GroupLeader& leader : leaders) {
    if (leader.identity.pid == process.identity.pid) {
      EXPECT_EQ(leader.identity.start_time, process.identity.start_time);
    }
  }
}

TEST_F(GroupLeadersTest, LeavesOutProcessesThatLeadNoGroup) {
  // The shell leads the group; its background child shares the shell's group and stdout.
  const LaunchedProcess shell = start({"sh", "-c", "sleep 30 & echo $!; wait"}, "out");
  std::string child;
  for (int i = 0; i < 500 && child.empty(); ++i) {
    std::ifstream in(dir_ / "out");
    std::getline(in, child);
    if (child.empty()) ::usleep(10'000);
  }
  ASSERT_FALSE(child.empty());
  const std::vector<GroupLeader> leaders = list_group_leaders();
  const std::string target = (dir_ / "out").string();
  EXPECT_TRUE(listed(leaders, shell.identity.pid, target));
  EXPECT_FALSE(listed(leaders, std::stoi(child), target));
}

TEST_F(GroupLeadersTest, AnEndedProcessIsNotListed) {
  const LaunchedProcess process = start({"true"}, "gone.out");
  ::waitpid(process.identity.pid, nullptr, 0);
  started_.clear();
  EXPECT_FALSE(listed(list_group_leaders(), process.identity.pid, (dir_ / "gone.out").string()));
}

}  // namespace
}  // namespace fastgpu
