// A confined launch (root only): the command runs as its own unprivileged identity, with no
// supplementary groups and no way back to privileges, from the directory it may enter.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "runtime/process_launcher.h"

namespace fastgpu {
namespace {

namespace fs = std::filesystem;

constexpr RunAs kTenant{1900000123, 1900000123};

class ConfinedLaunchTest : public testing::Test {
 protected:
  void SetUp() override {
    if (!may_change_identity()) GTEST_SKIP() << "needs root to change a task's identity";
    std::string pattern = (fs::temp_directory_path() / "fastgpu-confined-XXXXXX").string();
    dir_ = ::mkdtemp(pattern.data());
    fs::permissions(dir_, fs::perms::owner_all | fs::perms::others_exec);  // 0701
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  // Runs `script` as the tenant and returns {exit code, stdout and stderr}.
  std::pair<int, std::string> run(const std::string& script, const std::string& cwd = "/",
                                  std::vector<std::pair<std::string, std::string>> binds = {}) {
    LaunchSpec spec;
    spec.binds = std::move(binds);
    spec.argv = {"/bin/sh", "-c", script};
    spec.env = {{"PATH", "/usr/bin:/bin"}};
    spec.cwd = cwd;
    spec.stdout_path = spec.stderr_path = (dir_ / "output").string();
    spec.run_as = kTenant;
    LaunchedProcess process;
    const Status s = launch_process(spec, &process);
    if (!s.is_ok()) return {-1, s.message()};
    int status = 0;
    ::waitpid(process.identity.pid, &status, 0);
    std::stringstream text;
    text << std::ifstream(dir_ / "output").rdbuf();
    fs::remove(dir_ / "output");
    return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), text.str()};
  }
  fs::path dir_;
};

TEST_F(ConfinedLaunchTest, TheCommandRunsAsItsIdentityWithNoGroups) {
  const auto [code, output] = run("id -u; id -g; id -G; grep NoNewPrivs /proc/self/status");
  EXPECT_EQ(code, 0) << output;
  EXPECT_EQ(output, "1900000123\n1900000123\n1900000123\nNoNewPrivs:\t1\n");
}

TEST_F(ConfinedLaunchTest, TheCommandCannotReadTheLaunchersPrivateFiles) {
  const fs::path secret = dir_ / "secret";
  std::ofstream(secret) << "admin-token\n";
  fs::permissions(secret, fs::perms::owner_read | fs::perms::owner_write);
  const auto [code, output] = run("cat " + secret.string());
  EXPECT_NE(code, 0);
  EXPECT_NE(output.find("Permission denied"), std::string::npos) << output;
  EXPECT_EQ(output.find("admin-token"), std::string::npos) << output;
  const auto [kill_code, kill_output] = run("kill -0 1");
  EXPECT_NE(kill_code, 0) << "signalled init as a tenant: " << kill_output;
}

TEST_F(ConfinedLaunchTest, AWorkingDirectoryItMayNotEnterIsAnError) {
  fs::create_directory(dir_ / "private");
  fs::permissions(dir_ / "private", fs::perms::owner_all);  // 0700, root's
  const auto [code, output] = run("pwd", (dir_ / "private").string());
  EXPECT_EQ(code, -1);
  EXPECT_NE(output.find("Permission denied"), std::string::npos) << output;
}

// Looking a program or a directory up as root would tell a tenant what exists where it may not
// look: the answer for a path in a private directory is the same whether it exists or not.
TEST_F(ConfinedLaunchTest, PathsItMayNotSeeAnswerTheSameWhetherTheyExistOrNot) {
  const fs::path hidden = dir_ / "private";
  fs::create_directory(hidden);
  fs::permissions(hidden, fs::perms::owner_all);  // 0700, root's
  std::ofstream(hidden / "tool") << "#!/bin/sh\n";
  fs::permissions(hidden / "tool", fs::perms::owner_all);
  fs::create_directory(hidden / "room");
  const auto answer = [this](const std::string& program, const std::string& cwd) {
    LaunchSpec spec;
    spec.argv = {program};
    spec.env = {{"PATH", (dir_ / "private").string()}};
    spec.cwd = cwd;
    spec.run_as = kTenant;
    LaunchedProcess process;
    const std::string message = launch_process(spec, &process).message();
    return message.substr(message.rfind(": ") + 2);  // the reason, without the name asked
  };
  EXPECT_EQ(answer((hidden / "tool").string(), "/"), answer((hidden / "none").string(), "/"));
  EXPECT_EQ(answer("tool", "/"), answer("none", "/"));
  EXPECT_EQ(answer("/bin/true", (hidden / "room").string()),
            answer("/bin/true", (hidden / "none").string()));
  EXPECT_NE(answer("tool", "/").find("Permission denied"), std::string::npos)
      << answer("tool", "/");
}

TEST_F(ConfinedLaunchTest, ABindIsSeenByTheCommandOnlyAndCannotBeUndone) {
  const fs::path mine = dir_ / "mine";
  const fs::path shown = dir_ / "shown";
  std::ofstream(mine) << "the launcher's\n";
  std::ofstream(shown) << "the host's\n";
  fs::permissions(mine, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  fs::permissions(shown, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  const auto [code, output] =
      run("cat " + shown.string() + "; umount " + shown.string() + " || echo kept", "/",
          {{mine.string(), shown.string()}});
  EXPECT_EQ(code, 0) << output;
  EXPECT_NE(output.find("the launcher's\n"), std::string::npos) << output;
  EXPECT_NE(output.find("kept"), std::string::npos) << output;
  std::stringstream host;
  host << std::ifstream(shown).rdbuf();
  EXPECT_EQ(host.str(), "the host's\n") << "the bind reached the host's mount namespace";
}

}  // namespace
}  // namespace fastgpu
