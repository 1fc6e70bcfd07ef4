// A task's cgroup on this host's real cgroup tree (root only): limits hold, the group is the
// unit of stop, and usage is read back.

#include "runtime/task_cgroup.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "runtime/process_launcher.h"

namespace fastgpu {
namespace {

namespace fs = std::filesystem;

TEST(CgroupTree, ReadsV1ControllersBesideAV2Tree) {
  const CgroupTree tree = CgroupTree::from_mountinfo(
      "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
      "32 31 0:29 / /x/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct\n"
      "35 31 0:32 / /x/memory rw,relatime - cgroup cgroup rw,memory\n"
      "36 31 0:33 / /x/devices rw,relatime - cgroup cgroup rw,devices\n"
      "39 31 0:36 / /x/pids rw,relatime - cgroup cgroup rw,pids\n"
      "40 31 0:37 / /x/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
      "41 31 0:38 / /x/unified rw,relatime - cgroup2 cgroup2 rw\n");
  ASSERT_NE(tree.find("memory"), nullptr);
  EXPECT_EQ(tree.find("memory")->mount, "/x/memory");
  EXPECT_EQ(tree.find("cpu"), tree.find("cpuacct"));
  EXPECT_EQ(tree.find("cpu")->mount, "/x/cpu,cpuacct");
  EXPECT_EQ(tree.find("pids")->mount, "/x/pids");
  ASSERT_NE(tree.unified(), nullptr);
  EXPECT_EQ(tree.unified()->mount, "/x/unified");
  EXPECT_EQ(tree.task_hierarchies().size(), 3u);  // cpu+cpuacct once, memory, pids; not v2
  EXPECT_EQ(tree.describe(), "memory on v1, cpu on v1, pids on v1; processes tracked on v1");
}

TEST(CgroupTree, NoCgroupMountMeansNoHierarchy) {
  const CgroupTree tree = CgroupTree::from_mountinfo("1 0 0:1 / / rw - ext4 /dev/sda1 rw\n");
  EXPECT_EQ(tree.find("memory"), nullptr);
  EXPECT_TRUE(tree.task_hierarchies().empty());
  TaskCgroup group(tree, "t/1");
  EXPECT_FALSE(group.create({}).is_ok());
}

class TaskCgroupTest : public testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to make cgroups";
    if (tree_.find("memory") == nullptr || tree_.find("pids") == nullptr) {
      GTEST_SKIP() << "this host mounts no memory or pids controller";
    }
    std::string pattern = (fs::temp_directory_path() / "fastgpu-cgroup-XXXXXX").string();
    dir_ = ::mkdtemp(pattern.data());
  }
  void TearDown() override {
    if (group_) {
      group_->kill();
      (void)group_->remove();
    }
    if (!dir_.empty()) {
      fs::remove_all(dir_);
      for (const CgroupHierarchy* h : tree_.task_hierarchies()) {
        ::rmdir((h->mount + "/" + base_).c_str());
      }
    }
  }
  // Starts `script` in a new group with `limits`; returns its pid.
  pid_t start(const std::string& script, const CgroupLimits& limits) {
    group_.emplace(tree_, base_ + "/task-1");
    const Status made = group_->create(limits);
    EXPECT_TRUE(made.is_ok()) << made.message();
    LaunchSpec spec;
    spec.argv = {"/bin/sh", "-c", script};
    spec.env = {{"PATH", "/usr/bin:/bin"}};
    spec.stdout_path = spec.stderr_path = (dir_ / "output").string();
    spec.cgroup_procs = group_->procs_files();
    LaunchedProcess process;
    const Status s = launch_process(spec, &process);
    EXPECT_TRUE(s.is_ok()) << s.message();
    return process.identity.pid;
  }
  int wait_for(pid_t pid) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return status;
  }
  std::string output() const {
    std::stringstream text;
    text << std::ifstream(dir_ / "output").rdbuf();
    return text.str();
  }

  CgroupTree tree_ = CgroupTree::detect();
  std::string base_ = "fastgpu-test-" + std::to_string(::getpid());
  std::optional<TaskCgroup> group_;
  fs::path dir_;
};

TEST_F(TaskCgroupTest, AProcessAboveItsMemoryLimitIsKilledAndCounted) {
  CgroupLimits limits;
  limits.memory_bytes = 64 << 20;
  const int status = wait_for(start("python3 -c 'b = b\"x\" * (256 << 20)'", limits));
  EXPECT_FALSE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << output();
  const CgroupUsage usage = group_->usage();
  EXPECT_GE(usage.oom_kills, 1);
  EXPECT_LE(usage.peak_memory_bytes, int64_t{64 << 20});
  EXPECT_GT(usage.peak_memory_bytes, int64_t{16 << 20});
}

TEST_F(TaskCgroupTest, ASetsidChildIsStoppedWithItsGroup) {
  const pid_t pid = start("setsid sleep 300 & echo $! ; exit 0", {});
  wait_for(pid);
  const pid_t escaped = std::stoi(output());
  ASSERT_EQ(::kill(escaped, 0), 0) << "the setsid child outlives its parent";
  EXPECT_FALSE(group_->empty());
  EXPECT_TRUE(group_->kill());
  EXPECT_TRUE(group_->empty());
  EXPECT_TRUE(group_->remove().is_ok());
  group_.reset();
}

TEST_F(TaskCgroupTest, APidsLimitStopsAForkBomb) {
  CgroupLimits limits;
  limits.pids = 16;
  wait_for(start("for i in $(seq 40); do sleep 30 & done; wait", limits));
  EXPECT_NE(output().find("fork"), std::string::npos) << output();  // "Cannot fork" / "can't fork"
}

TEST_F(TaskCgroupTest, ACpuQuotaHoldsABusyLoop) {
  if (tree_.find("cpu") == nullptr) GTEST_SKIP() << "this host mounts no cpu controller";
  CgroupLimits limits;
  limits.cpu_milli = 200;
  const auto began = std::chrono::steady_clock::now();
  wait_for(start("timeout 1 sh -c 'while :; do :; done'", limits));
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  const double cpu = group_->usage().cpu_ns / 1e9;
  EXPECT_GT(cpu, 0.0);
  EXPECT_LT(cpu, 0.5 * wall) << "a 0.2-core quota let the loop take " << cpu << " s of " << wall;
}

}  // namespace
}  // namespace fastgpu
