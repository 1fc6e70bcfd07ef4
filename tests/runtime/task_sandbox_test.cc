// A launcher's task sandboxes (root only): prepared, finished, and cleared after a crash.

#include "runtime/task_sandbox.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace fastgpu {
namespace {

namespace fs = std::filesystem;

TEST(TaskSandbox, ALaunchersLeftOverSandboxesAreClearedAtItsNextStart) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to make cgroups and give directories away";
  std::string pattern = (fs::temp_directory_path() / "fastgpu-sandbox-XXXXXX").string();
  const std::string dir = ::mkdtemp(pattern.data());
  TaskSandbox::Options options;
  ASSERT_TRUE(TaskSandbox::options_for("fastgpu-test", dir, &options).is_ok());
  std::string scratch;
  {
    const TaskSandbox crashed(options);
    for (int64_t task : {5, 6}) {
      LaunchSpec spec;
      ASSERT_TRUE(crashed.prepare(task, RunAs{1900000123, 1900000123}, {}, &spec).is_ok());
      scratch = spec.cwd;
    }
    EXPECT_TRUE(fs::exists(scratch));
  }  // gone without finishing them: a launcher killed with SIGKILL
  const TaskSandbox restarted(options);
  EXPECT_EQ(restarted.clear_left_over(), 2);
  EXPECT_FALSE(fs::exists(scratch));
  EXPECT_EQ(restarted.clear_left_over(), 0);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace fastgpu
