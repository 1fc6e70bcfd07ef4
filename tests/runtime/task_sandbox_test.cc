// A launcher's task sandboxes (root only): prepared, finished, and cleared after a crash.

#include "runtime/task_sandbox.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace fastgpu {
namespace {

namespace fs = std::filesystem;

// A new directory under the system's temporary one, for a launcher's state.
std::string fresh_directory() {
  std::string pattern = (fs::temp_directory_path() / "fastgpu-sandbox-XXXXXX").string();
  return ::mkdtemp(pattern.data());
}

TEST(TaskSandbox, ALaunchersLeftOverSandboxesAreClearedAtItsNextStart) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to make cgroups and give directories away";
  const std::string dir = fresh_directory();
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

TEST(TaskSandbox, AScratchRootSomebodyElseMadeIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "the shared scratch root is a root launcher's";
  const std::string dir = fresh_directory();
  TaskSandbox::Options options;
  ASSERT_TRUE(TaskSandbox::options_for("fastgpu-test", dir, &options).is_ok());
  // A tenant who made the root first (or put a link there) could swap a task's directory for a
  // link to /etc before it is given away.
  fs::remove(options.scratch_root);
  fs::create_directory(options.scratch_root);
  ASSERT_EQ(::chown(options.scratch_root.c_str(), 1900000123, 1900000123), 0);
  EXPECT_EQ(TaskSandbox::options_for("fastgpu-test", dir, &options).code(),
            Status::Code::kFailedPrecondition);
  fs::remove(options.scratch_root);
  fs::create_directory_symlink(dir, options.scratch_root);
  EXPECT_EQ(TaskSandbox::options_for("fastgpu-test", dir, &options).code(),
            Status::Code::kFailedPrecondition);
  fs::remove(options.scratch_root);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace fastgpu
