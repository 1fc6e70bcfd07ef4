// UnrecordedStarts: real process groups, killed when a replica steps down unless recorded.

#include "runtime/unrecorded_starts.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <thread>

#include "runtime/process_launcher.h"

namespace fastgpu {
namespace {

using namespace std::chrono_literals;

class UnrecordedStartsTest : public testing::Test {
 protected:
  void TearDown() override {
    for (pid_t pid : started_) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }

  // A `sleep 30` leading its own process group, started through begin/end_launch.
  ProcessIdentity start_through(UnrecordedStarts* starts) {
    EXPECT_TRUE(starts->begin_launch());
    LaunchSpec spec;
    spec.argv = {"sleep", "30"};
    LaunchedProcess process;
    EXPECT_TRUE(launch_process(spec, &process).is_ok());
    started_.push_back(process.identity.pid);
    starts->end_launch(process.identity);
    return process.identity;
  }

  // Whether `process` ended (reaped here, as its parent) within 2 s.
  static bool ends(const ProcessIdentity& process) {
    for (int i = 0; i < 200; ++i) {
      if (::waitpid(process.pid, nullptr, WNOHANG) == process.pid) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  std::vector<pid_t> started_;
};

TEST_F(UnrecordedStartsTest, AbandonKillsOnlyTheProcessesWhoseStartWasNotRecorded) {
  UnrecordedStarts starts;
  const ProcessIdentity recorded = start_through(&starts);
  const ProcessIdentity unrecorded = start_through(&starts);
  starts.recorded(recorded.pid);
  starts.abandon();
  EXPECT_TRUE(ends(unrecorded));
  EXPECT_TRUE(is_same_process(recorded)) << "a recorded start is the new leader's to adopt";
}

TEST_F(UnrecordedStartsTest, AfterAbandonLaunchesAreRefusedAndOneInFlightIsKilledAtItsEnd) {
  UnrecordedStarts starts;
  ASSERT_TRUE(starts.begin_launch());  // a launch thread is between its check and its spawn
  std::thread stepping_down([&] { starts.abandon(); });  // waits for that launch
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(starts.begin_launch());
  starts.end_launch({});  // the refused one started nothing
  LaunchSpec spec;
  spec.argv = {"sleep", "30"};
  LaunchedProcess late;
  ASSERT_TRUE(launch_process(spec, &late).is_ok());
  started_.push_back(late.identity.pid);
  starts.end_launch(late.identity);
  stepping_down.join();
  EXPECT_TRUE(ends(late.identity));
}

}  // namespace
}  // namespace fastgpu
