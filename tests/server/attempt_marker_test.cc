// The line between a task's attempts in its logs.

#include "server/loop/attempt_marker.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "core/text_file.h"

namespace fastgpu {
namespace {

TaskRecord task_after(int32_t attempts, std::string reason) {
  TaskRecord task;
  task.id = 17;
  task.attempts = attempts;
  task.failure_reason = std::move(reason);
  return task;
}

TEST(AttemptMarker, NoneBeforeTheFirstAttemptAndOneLineAfterIt) {
  EXPECT_EQ(attempt_marker(task_after(0, "")), "");
  EXPECT_EQ(attempt_marker(task_after(2, "lost: node\nbox timed out")),
            "--- fastgpu: attempt 3 of task 17 (attempt 2 ended: lost: node box timed out) ---\n");
  EXPECT_EQ(attempt_marker(task_after(1, "")),
            "--- fastgpu: attempt 2 of task 17 (attempt 1 ended: no reason recorded) ---\n");
}

TEST(AttemptMarker, StartsOnALineOfItsOwnInBothLogs) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("attempt-marker-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string base = (dir / "task-17").string();
  ASSERT_TRUE(append_file(base + ".out", "half a line"));  // .err does not exist yet
  ASSERT_TRUE(mark_attempt_in_logs(base, task_after(1, "preempted")));
  const std::string marker = attempt_marker(task_after(1, "preempted"));
  std::string out, err;
  ASSERT_TRUE(read_file(base + ".out", &out).is_ok());
  ASSERT_TRUE(read_file(base + ".err", &err).is_ok());
  EXPECT_EQ(out, "half a line\n" + marker);
  EXPECT_EQ(err, marker);
  EXPECT_EQ(std::filesystem::status(base + ".err").permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fastgpu
