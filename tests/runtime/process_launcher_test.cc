// Process launch, identity and supervision, with real processes (/bin/sh).

#include "runtime/process_launcher.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "runtime/exit_record.h"
#include "runtime/process_guard.h"
#include "runtime/process_identity.h"
#include "runtime/process_supervisor.h"

namespace fastgpu {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// Every wait below is a bounded poll; the limit is generous so a loaded machine does not fail
// the test, and a hang shows as a failure, not a stuck run.
constexpr auto kPatience = 10s;

// Polls `done` every millisecond until it holds or kPatience passes.
template <typename Pred>
bool eventually(Pred done) {
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A fresh directory for one test, removed afterwards.
class ProcessTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "fastgpu-runtime-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A spec running `script` with /bin/sh, output into the test's directory.
  LaunchSpec shell(const std::string& script) const {
    LaunchSpec spec;
    spec.argv = {"/bin/sh", "-c", script};
    spec.cwd = dir_.string();
    spec.stdout_path = (dir_ / "stdout").string();
    spec.stderr_path = (dir_ / "stderr").string();
    return spec;
  }

  std::string out() const { return read_file(dir_ / "stdout"); }
  std::string err() const { return read_file(dir_ / "stderr"); }

  // Waits until `pid` is reported by poll_exits and returns its exit.
  ProcessExit wait_exit(ProcessSupervisor& supervisor, pid_t pid) {
    ProcessExit found;
    bool seen = false;
    const bool ended = eventually([&] {
      for (const ProcessExit& e : supervisor.poll_exits()) {
        if (e.identity.pid == pid) {
          found = e;
          seen = true;
        }
      }
      return seen;
    });
    EXPECT_TRUE(ended) << "process " << pid << " did not end";
    return found;
  }

  // Runs `spec` to its end and returns how it ended.
  ProcessExit run(const LaunchSpec& spec) {
    ProcessSupervisor supervisor;
    LaunchedProcess p;
    const Status s = supervisor.launch(spec, &p);
    EXPECT_TRUE(s.is_ok()) << s.message();
    return s.is_ok() ? wait_exit(supervisor, p.identity.pid) : ProcessExit{};
  }
  ProcessExit run(const std::string& script) { return run(shell(script)); }

  // Runs `spec` to its end and returns what it wrote to stdout.
  std::string run_and_read(const LaunchSpec& spec) {
    run(spec);
    return out();
  }

  // The identity of the process whose pid the child wrote on the first line of `file`.
  ProcessIdentity identity_written_to(const fs::path& file) {
    EXPECT_TRUE(eventually([&] { return read_file(file).find('\n') != std::string::npos; }));
    ProcessIdentity id;
    id.pid = std::stoi(read_file(file));
    EXPECT_TRUE(read_process_start_time(id.pid, &id.start_time).is_ok());
    return id;
  }

  fs::path dir_;
};

using ProcessLauncherTest = ProcessTest;
using ProcessIdentityTest = ProcessTest;
using ProcessSupervisorTest = ProcessTest;

// ---- launch ----------------------------------------------------------------------------------

TEST_F(ProcessLauncherTest, EnvCwdAndOutputFilesReachTheChild) {
  fs::create_directory(dir_ / "work");
  LaunchSpec spec = shell(
      "echo \"$FASTGPU_TASK_ID $CUDA_VISIBLE_DEVICES $FASTGPU_VGPU_ID\"; pwd; "
      "echo oops >&2; exit 3");
  spec.cwd = (dir_ / "work").string();
  spec.env = {{"FASTGPU_TASK_ID", "t-42"},
              {"CUDA_VISIBLE_DEVICES", "GPU-sim-0000"},
              {"FASTGPU_VGPU_ID", "v-7"}};
  ProcessSupervisor supervisor;
  LaunchedProcess p;
  ASSERT_TRUE(supervisor.launch(spec, &p).is_ok());
  const ProcessExit exit = wait_exit(supervisor, p.identity.pid);
  EXPECT_TRUE(exit.status_known);
  EXPECT_EQ(exit.exit_code, 3);
  EXPECT_EQ(exit.signal, 0);
  EXPECT_GE(exit.ended_at, p.started_at);
  EXPECT_EQ(out(), "t-42 GPU-sim-0000 v-7\n" + fs::canonical(dir_ / "work").string() + "\n");
  EXPECT_EQ(err(), "oops\n");
  struct stat st;
  ASSERT_EQ(::stat((dir_ / "stdout").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(ProcessLauncherTest, OutputIsAppendedAndMayShareOneFile) {
  std::ofstream(dir_ / "stdout") << "before\n";
  LaunchSpec spec = shell("echo out; echo err >&2");
  spec.stderr_path = spec.stdout_path;
  ProcessSupervisor supervisor;
  LaunchedProcess p;
  ASSERT_TRUE(supervisor.launch(spec, &p).is_ok());
  EXPECT_EQ(wait_exit(supervisor, p.identity.pid).exit_code, 0);
  EXPECT_EQ(out(), "before\nout\nerr\n");
}

// What `spec` writes to stdout and stderr when they are the write ends of pipes; the caller's
// copies of those ends are closed once it is launched, so the reads end with the process.
std::pair<std::string, std::string> run_into_pipes(LaunchSpec spec) {
  int out_pipe[2];
  int err_pipe[2];
  EXPECT_EQ(::pipe2(out_pipe, O_CLOEXEC), 0);
  EXPECT_EQ(::pipe2(err_pipe, O_CLOEXEC), 0);
  spec.stdout_fd = out_pipe[1];
  spec.stderr_fd = err_pipe[1];
  spec.stdout_path = spec.stderr_path = "/nonexistent/never-opened";
  ProcessSupervisor supervisor;
  LaunchedProcess p;
  const Status s = supervisor.launch(spec, &p);
  EXPECT_TRUE(s.is_ok()) << s.message();
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  auto drain = [](int fd) {
    std::string text;
    char buffer[4096];
    for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) text.append(buffer, n);
    ::close(fd);
    return text;
  };
  std::string out = drain(out_pipe[0]);
  std::string err = drain(err_pipe[0]);
  EXPECT_TRUE(eventually([&] { return !supervisor.poll_exits().empty(); }));
  return {out, err};
}

TEST_F(ProcessLauncherTest, OutputMayGoToTheCallersDescriptors) {
  LaunchSpec spec = shell("echo out; echo err >&2");
  EXPECT_EQ(run_into_pipes(spec), std::make_pair(std::string("out\n"), std::string("err\n")));
  spec.guarded = true;
  EXPECT_EQ(run_into_pipes(spec), std::make_pair(std::string("out\n"), std::string("err\n")));
  EXPECT_FALSE(fs::exists("/nonexistent/never-opened"));
}

TEST_F(ProcessLauncherTest, EnvReplacesInheritedVariablesAndLdPreloadGoesFirst) {
  LaunchSpec spec = shell("echo \"$HOME|$LD_PRELOAD\"");
  spec.env = {{"HOME", "/nonexistent-home"}, {"LD_PRELOAD", "libdl.so.2"}};
  spec.ld_preload = "libm.so.6";
  EXPECT_EQ(run_and_read(spec), "/nonexistent-home|libm.so.6:libdl.so.2\n");
}

TEST_F(ProcessLauncherTest, TheChildGetsNothingOfTheLaunchersEnvironmentUnlessAsked) {
  ::setenv("FASTGPU_TEST_SECRET", "launcher-only", 1);
  LaunchSpec spec = shell("echo \"[$FASTGPU_TEST_SECRET][$HOME][$PATH]\"");
  spec.env = {{"PATH", "/usr/bin:/bin"}};
  EXPECT_EQ(run_and_read(spec), "[][][/usr/bin:/bin]\n");
  spec.inherit_environment = true;
  const char* home = std::getenv("HOME");
  EXPECT_EQ(run_and_read(spec), "[][][/usr/bin:/bin]\n[launcher-only][" +
                                    std::string(home ? home : "") + "][/usr/bin:/bin]\n")
      << "(the output file is appended to)";
  ::unsetenv("FASTGPU_TEST_SECRET");
}

TEST_F(ProcessLauncherTest, ProgramIsFoundInTheChildsPath) {
  fs::create_directory(dir_ / "bin");
  std::ofstream(dir_ / "bin" / "fastgpu-test-tool") << "#!/bin/sh\necho tool ran\n";
  fs::permissions(dir_ / "bin" / "fastgpu-test-tool", fs::perms::owner_all);
  LaunchSpec spec = shell("");
  spec.argv = {"fastgpu-test-tool"};
  spec.env = {{"PATH", (dir_ / "bin").string() + ":/usr/bin:/bin"}};
  EXPECT_EQ(run_and_read(spec), "tool ran\n");
}

TEST_F(ProcessLauncherTest, MissingProgramIsAnErrorNamingIt) {
  LaunchedProcess p;
  LaunchSpec spec = shell("");
  spec.argv = {"fastgpu-no-such-program", "arg"};
  Status s = launch_process(spec, &p);
  EXPECT_EQ(s.code(), Status::Code::kNotFound);
  EXPECT_NE(s.message().find("command not found: \"fastgpu-no-such-program\""), std::string::npos)
      << s.message();

  spec.argv = {"./no-such-script.sh"};
  spec.cwd = dir_.string();
  s = launch_process(spec, &p);
  EXPECT_EQ(s.code(), Status::Code::kNotFound);
  EXPECT_NE(s.message().find("\"./no-such-script.sh\" not found"), std::string::npos)
      << s.message();

  std::ofstream(dir_ / "not-executable.sh") << "echo hi\n";
  spec.argv = {"./not-executable.sh"};
  s = launch_process(spec, &p);
  EXPECT_NE(s.message().find("\"./not-executable.sh\" is not an executable file"),
            std::string::npos)
      << s.message();
}

TEST_F(ProcessLauncherTest, BadCwdOrOutputFileIsAnErrorNamingIt) {
  LaunchedProcess p;
  LaunchSpec spec = shell("true");
  spec.cwd = (dir_ / "missing").string();
  Status s = launch_process(spec, &p);
  EXPECT_EQ(s.code(), Status::Code::kNotFound);
  EXPECT_NE(s.message().find("working directory \"" + spec.cwd + "\""), std::string::npos)
      << s.message();

  spec = shell("true");
  spec.stderr_path = (dir_ / "missing" / "err.log").string();
  s = launch_process(spec, &p);
  EXPECT_EQ(s.code(), Status::Code::kIoError);
  EXPECT_NE(s.message().find("cannot open stderr file \"" + spec.stderr_path + "\""),
            std::string::npos)
      << s.message();
}

TEST_F(ProcessLauncherTest, MalformedSpecIsRefused) {
  LaunchedProcess p;
  LaunchSpec spec;
  EXPECT_EQ(launch_process(spec, &p).code(), Status::Code::kInvalidArgument);
  spec = shell("true");
  spec.env = {{"BAD=NAME", "x"}};
  EXPECT_NE(launch_process(spec, &p).message().find("\"BAD=NAME\""), std::string::npos);
  spec = shell("true");
  spec.argv.push_back(std::string("a\0b", 3));
  EXPECT_EQ(launch_process(spec, &p).code(), Status::Code::kInvalidArgument);
}

TEST_F(ProcessLauncherTest, ChildLeadsItsOwnSessionAndProcessGroup) {
  ProcessSupervisor supervisor;
  LaunchedProcess p;
  ASSERT_TRUE(supervisor.launch(shell("echo ready; exec sleep 30"), &p).is_ok());
  const pid_t pid = p.identity.pid;
  ASSERT_TRUE(eventually([&] { return out() == "ready\n"; }));
  EXPECT_EQ(::getpgid(pid), pid);
  EXPECT_EQ(::getsid(pid), pid);
  ASSERT_TRUE(supervisor.terminate(pid, 0ms).is_ok());
  EXPECT_EQ(wait_exit(supervisor, pid).signal, SIGKILL);
}

TEST_F(ProcessLauncherTest, ChildGetsDefaultSignalsAndNoInheritedDescriptors) {
  // The daemon ignores and blocks SIGUSR2 and holds a descriptor without close-on-exec; the
  // task must see none of that.
  struct sigaction ignore {};
  struct sigaction previous {};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(::sigaction(SIGUSR2, &ignore, &previous), 0);
  sigset_t block;
  sigset_t old_mask;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR2);
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &block, &old_mask), 0);
  const int leaked = ::fcntl(STDERR_FILENO, F_DUPFD, 100);
  ASSERT_GE(leaked, 100);

  const ProcessExit exit = run("if [ -e /proc/$$/fd/" + std::to_string(leaked) +
                               " ]; then echo leaked; else echo clean; fi; kill -USR2 $$; "
                               "echo survived");
  ::close(leaked);
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ::sigaction(SIGUSR2, &previous, nullptr);
  EXPECT_EQ(exit.signal, SIGUSR2);
  EXPECT_EQ(out(), "clean\n");
}

// ---- identity --------------------------------------------------------------------------------

TEST_F(ProcessIdentityTest, StartTimeTellsAReusedPidApart) {
  uint64_t self = 0;
  ASSERT_TRUE(read_process_start_time(::getpid(), &self).is_ok());
  EXPECT_TRUE(is_same_process(::getpid(), self));
  EXPECT_FALSE(is_same_process(::getpid(), self + 1));  // same pid, another process's start

  ProcessSupervisor supervisor;
  LaunchedProcess p;
  ASSERT_TRUE(supervisor.launch(shell("exec sleep 30"), &p).is_ok());
  EXPECT_TRUE(is_same_process(p.identity));
  EXPECT_GE(p.identity.start_time, self);
  EXPECT_FALSE(is_same_process(p.identity.pid, p.identity.start_time + 1));
  ASSERT_TRUE(supervisor.terminate(p.identity.pid, 0ms).is_ok());
  wait_exit(supervisor, p.identity.pid);
  EXPECT_FALSE(is_same_process(p.identity));
}

TEST_F(ProcessIdentityTest, AbsentProcessesAndZombiesAreGone) {
  uint64_t start = 0;
  EXPECT_EQ(read_process_start_time(0, &start).code(), Status::Code::kNotFound);
  EXPECT_EQ(read_process_start_time(-1, &start).code(), Status::Code::kNotFound);
  EXPECT_EQ(read_process_start_time(0x3ffffff0, &start).code(), Status::Code::kNotFound);
  EXPECT_FALSE(is_same_process(0x3ffffff0, 0));

  LaunchedProcess p;  // not supervised, so nobody reaps it until the test does
  ASSERT_TRUE(launch_process(shell("exit 0"), &p).is_ok());
  EXPECT_TRUE(eventually([&] { return !is_same_process(p.identity); }));  // a zombie now
  uint64_t zombie_start = 0;
  EXPECT_TRUE(read_process_start_time(p.identity.pid, &zombie_start).is_ok());
  EXPECT_EQ(zombie_start, p.identity.start_time);
  int status = 0;
  EXPECT_EQ(::waitpid(p.identity.pid, &status, 0), p.identity.pid);
}

// ---- supervision -----------------------------------------------------------------------------

TEST_F(ProcessSupervisorTest, ExitCodesAndSignalsAreReported) {
  ProcessExit exit = run("exit 0");
  EXPECT_TRUE(exit.status_known);
  EXPECT_EQ(exit.exit_code, 0);
  EXPECT_EQ(describe_exit(exit), "exited with code 0");

  exit = run("exit 42");
  EXPECT_EQ(exit.exit_code, 42);

  exit = run("kill -USR1 $$");
  EXPECT_EQ(exit.exit_code, -1);
  EXPECT_EQ(exit.signal, SIGUSR1);
  EXPECT_EQ(describe_exit(exit), "killed by signal 10 (SIGUSR1)");
}

TEST_F(ProcessSupervisorTest, TerminateEndsAProcessThatHeedsSigterm) {
  ProcessSupervisor supervisor;
  LaunchedProcess p;
  ASSERT_TRUE(supervisor.launch(shell("echo ready; exec sleep 30"), &p).is_ok());
  ASSERT_TRUE(eventually([&] { return out() == "ready\n"; }));
  ASSERT_TRUE(supervisor.terminate(p.identity.pid, 60s).is_ok());
  const ProcessExit exit = wait_exit(supervisor, p.identity.pid);
  EXPECT_EQ(exit.signal, SIGTERM);
  EXPECT_EQ(supervisor.size(), 0u);
}

TEST_F(ProcessSupervisorTest, TerminateEscalatesToSigkillAfterTheGrace) {
  ProcessSupervisor supervisor;
  LaunchedProcess p;
  ASSERT_TRUE(supervisor.launch(shell("trap '' TERM; echo ready; sleep 30"), &p).is_ok());
  ASSERT_TRUE(eventually([&] { return out() == "ready\n"; }));
  constexpr auto kGrace = 200ms;
  const auto sent = std::chrono::steady_clock::now();
  ASSERT_TRUE(supervisor.terminate(p.identity.pid, kGrace).is_ok());
  const ProcessExit exit = wait_exit(supervisor, p.identity.pid);
  EXPECT_EQ(exit.signal, SIGKILL);
  EXPECT_GE(std::chrono::steady_clock::now() - sent, kGrace);  // SIGTERM was given its time
}

TEST_F(ProcessSupervisorTest, TerminateKillsTheWholeProcessGroup) {
  ProcessSupervisor supervisor;
  LaunchedProcess p;
  ASSERT_TRUE(supervisor.launch(shell("sleep 30 & echo $! > grandchild; wait"), &p).is_ok());
  const ProcessIdentity grandchild = identity_written_to(dir_ / "grandchild");
  ASSERT_TRUE(is_same_process(grandchild));
  ASSERT_TRUE(supervisor.terminate(p.identity.pid, 5s).is_ok());
  EXPECT_EQ(wait_exit(supervisor, p.identity.pid).signal, SIGTERM);
  EXPECT_TRUE(eventually([&] { return !is_same_process(grandchild); }));
}

TEST_F(ProcessSupervisorTest, WhatALeaderLeavesBehindIsKilledWhenItEnds) {
  ProcessSupervisor supervisor;
  LaunchedProcess p;
  ASSERT_TRUE(supervisor.launch(shell("sleep 30 & echo $! > grandchild; exit 5"), &p).is_ok());
  const ProcessIdentity grandchild = identity_written_to(dir_ / "grandchild");
  EXPECT_EQ(wait_exit(supervisor, p.identity.pid).exit_code, 5);
  EXPECT_TRUE(eventually([&] { return !is_same_process(grandchild); }));
}

TEST_F(ProcessSupervisorTest, AdoptedProcessEndIsSeenWithoutStatus) {
  // A process that is not our child, as after a daemon restart: the shell starts it in a
  // session of its own and exits, so it is reparented away from us.
  LaunchedProcess starter;
  ASSERT_TRUE(launch_process(shell("setsid sleep 30 & echo $! > adoptee"), &starter).is_ok());
  const ProcessIdentity adoptee = identity_written_to(dir_ / "adoptee");
  int status = 0;
  ASSERT_EQ(::waitpid(starter.identity.pid, &status, 0), starter.identity.pid);

  // setsid(1) makes it a group leader just after the fork that wrote its pid.
  ASSERT_TRUE(eventually([&] { return ::getpgid(adoptee.pid) == adoptee.pid; }));

  ProcessSupervisor supervisor;
  ASSERT_TRUE(supervisor.adopt(adoptee).is_ok());
  ASSERT_TRUE(supervisor.adopt(adoptee).is_ok());  // adopting twice holds it once
  EXPECT_EQ(supervisor.size(), 1u);
  EXPECT_TRUE(supervisor.poll_exits().empty());
  ASSERT_TRUE(supervisor.terminate(adoptee.pid, 5s).is_ok());
  const ProcessExit exit = wait_exit(supervisor, adoptee.pid);
  EXPECT_FALSE(exit.status_known);
  EXPECT_EQ(exit.identity, adoptee);
  EXPECT_NE(describe_exit(exit).find("exit status unknown"), std::string::npos);
}

TEST_F(ProcessSupervisorTest, AdoptedProcessEndIsReadFromItsExitRecord) {
  LaunchedProcess starter;
  ASSERT_TRUE(launch_process(shell("setsid sh -c 'sleep 0.3; printf \"exit 3\\n\" > record' & "
                                   "echo $! > adoptee"),
                             &starter)
                  .is_ok());
  const ProcessIdentity adoptee = identity_written_to(dir_ / "adoptee");
  int status = 0;
  ASSERT_EQ(::waitpid(starter.identity.pid, &status, 0), starter.identity.pid);
  ASSERT_TRUE(eventually([&] { return ::getpgid(adoptee.pid) == adoptee.pid; }));
  ProcessSupervisor supervisor;
  ASSERT_TRUE(supervisor.adopt(adoptee, (dir_ / "record").string()).is_ok());
  const ProcessExit exit = wait_exit(supervisor, adoptee.pid);
  EXPECT_TRUE(exit.status_known);
  EXPECT_EQ(exit.exit_code, 3);
  EXPECT_EQ(describe_exit(exit), "exited with code 3");
}

TEST_F(ProcessSupervisorTest, AdoptingAGoneProcessIsNotFound) {
  ProcessSupervisor supervisor;
  uint64_t self = 0;
  ASSERT_TRUE(read_process_start_time(::getpid(), &self).is_ok());
  const Status s = supervisor.adopt({::getpid(), self + 1});  // the pid was "reused"
  EXPECT_EQ(s.code(), Status::Code::kNotFound);
  EXPECT_NE(s.message().find(std::to_string(::getpid())), std::string::npos);
  EXPECT_EQ(supervisor.size(), 0u);
}

TEST_F(ProcessSupervisorTest, AdoptingAProcessThatLeadsNoGroupIsRefused) {
  ProcessSupervisor supervisor;
  uint64_t self = 0;
  ASSERT_TRUE(read_process_start_time(::getpid(), &self).is_ok());
  if (::getpgrp() == ::getpid()) GTEST_SKIP() << "the test runner leads its own group";
  const Status s = supervisor.adopt({::getpid(), self});
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("does not lead its own process group"), std::string::npos);
}

TEST_F(ProcessSupervisorTest, AdoptingOurOwnChildKeepsItsExitStatus) {
  LaunchSpec spec = shell("while [ ! -e go ]; do sleep 0.01; done; exit 7");
  spec.cwd = dir_.string();
  LaunchedProcess p;  // started without the supervisor, which adopts it afterwards
  ASSERT_TRUE(launch_process(spec, &p).is_ok());
  ProcessSupervisor supervisor;
  ASSERT_TRUE(supervisor.adopt(p.identity).is_ok());
  std::ofstream(dir_ / "go") << "";
  const ProcessExit exit = wait_exit(supervisor, p.identity.pid);
  EXPECT_TRUE(exit.status_known);
  EXPECT_EQ(exit.exit_code, 7);
}

TEST_F(ProcessSupervisorTest, ManyEndsAreEachReportedOnceWithTheirCodes) {
  ProcessSupervisor supervisor;
  std::map<pid_t, int> expected;  // pid -> exit code
  for (int code = 0; code < 40; ++code) {
    LaunchedProcess p;
    ASSERT_TRUE(supervisor.launch(shell("exit " + std::to_string(code)), &p).is_ok());
    expected[p.identity.pid] = code;
  }
  std::map<pid_t, int> reported;
  ASSERT_TRUE(eventually([&] {
    for (const ProcessExit& exit : supervisor.poll_exits()) {
      EXPECT_TRUE(reported.emplace(exit.identity.pid, exit.exit_code).second) << "twice";
    }
    return reported.size() == expected.size();
  }));
  EXPECT_EQ(reported, expected);
  EXPECT_EQ(supervisor.size(), 0u);
}

TEST_F(ProcessSupervisorTest, AnEndedChildItDoesNotHoldNeitherHidesEndsNorIsReaped) {
  ProcessSupervisor supervisor;
  supervisor.poll_exits();   // its first call looks at every held process; the next ones do not
  LaunchedProcess stranger;  // the daemon's child, but not the supervisor's to reap
  ASSERT_TRUE(launch_process(shell("exit 3"), &stranger).is_ok());
  ASSERT_TRUE(eventually([&] { return !is_same_process(stranger.identity); }));  // a zombie
  LaunchedProcess held;
  ASSERT_TRUE(supervisor.launch(shell("exit 4"), &held).is_ok());
  EXPECT_EQ(wait_exit(supervisor, held.identity.pid).exit_code, 4);
  int status = 0;
  ASSERT_EQ(::waitpid(stranger.identity.pid, &status, 0), stranger.identity.pid);
  EXPECT_EQ(WEXITSTATUS(status), 3);
}

TEST_F(ProcessSupervisorTest, AHeldChildReapedElsewhereIsReportedWithoutStatus) {
  ProcessSupervisor supervisor;
  LaunchedProcess p;
  ASSERT_TRUE(supervisor.launch(shell("exec sleep 30"), &p).is_ok());
  EXPECT_TRUE(supervisor.poll_exits().empty());  // the first call's look at every process
  ::kill(p.identity.pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(p.identity.pid, &status, 0), p.identity.pid);  // not the supervisor
  const ProcessExit exit = wait_exit(supervisor, p.identity.pid);    // by the once-a-second look
  EXPECT_FALSE(exit.status_known);
  EXPECT_EQ(supervisor.size(), 0u);
}

TEST_F(ProcessSupervisorTest, OnlyHeldGroupsCanBeTerminated) {
  ProcessSupervisor supervisor;
  for (pid_t pgid : {pid_t{0}, pid_t{1}, ::getpgrp(), ::getpid()}) {
    EXPECT_EQ(supervisor.terminate(pgid, 0ms).code(), Status::Code::kNotFound) << pgid;
  }
}

}  // namespace
}  // namespace fastgpu

// ---- guarded commands (what fastgpu-agent runs its tasks under) -------------------------------

namespace fastgpu {
namespace {

class GuardedCommandTest : public ProcessSupervisorTest {
 protected:
  LaunchSpec guarded(const std::string& script) const {
    LaunchSpec spec = shell(script);
    spec.guarded = true;
    return spec;
  }
};

TEST_F(GuardedCommandTest, EndsAsItsProgramEndsWithItsOutput) {
  ProcessExit exit = run(guarded("echo out; echo err >&2; exit 42"));
  EXPECT_EQ(exit.exit_code, 42);
  EXPECT_EQ(out(), "out\n");
  EXPECT_EQ(err(), "err\n");
  exit = run(guarded("kill -USR1 $$"));
  EXPECT_EQ(exit.signal, SIGUSR1);
  exit = run(guarded("exec fastgpu-no-such-program"));
  EXPECT_EQ(exit.exit_code, 127);
}

TEST_F(GuardedCommandTest, AStopReachesTheProgramWhichGetsItsGrace) {
  ProcessSupervisor supervisor;
  LaunchedProcess p;
  ASSERT_TRUE(supervisor
                  .launch(guarded("trap 'echo bye; exit 7' TERM; echo $$ > task; "
                                  "while :; do sleep 0.01; done"),
                          &p)
                  .is_ok());
  (void)identity_written_to(dir_ / "task");
  ASSERT_TRUE(supervisor.terminate(p.identity.pid, 5s).is_ok());
  EXPECT_EQ(wait_exit(supervisor, p.identity.pid).exit_code, 7);  // the guard ignored SIGTERM
  EXPECT_EQ(out(), "bye\n");
}

TEST_F(GuardedCommandTest, TheProgramDiesWithTheThreadThatStartedIt) {
  LaunchedProcess p;
  Status launched;
  ProcessIdentity task;
  std::thread([&] {
    launched = launch_process(guarded("echo $$ > task; exec sleep 30"), &p);
    // The program runs, so the guard has asked for the death signal: now the thread may end.
    if (launched.is_ok()) task = identity_written_to(dir_ / "task");
  }).join();  // the starting thread is gone: the guard kills its group
  ASSERT_TRUE(launched.is_ok()) << launched.message();
  EXPECT_TRUE(eventually([&] { return !is_same_process(task); }));
  int status = 0;
  ASSERT_EQ(::waitpid(p.identity.pid, &status, 0), p.identity.pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

// fastgpud's guard: it outlives the thread (and daemon) that started it and records the end.
TEST_F(GuardedCommandTest, ARecordingGuardOutlivesItsStarterAndRecordsTheEnd) {
  ASSERT_NE(find_task_guard(), "") << "no " << kTaskGuardProgram << " beside this test";
  const std::string record = (dir_ / "record").string();
  LaunchedProcess p;
  Status launched;
  ProcessIdentity task;
  std::thread([&] {
    LaunchSpec spec = shell(
        "echo $$ > task; [ -e /proc/$$/fd/3 ] && echo 'the record leaked'; sleep 0.5; exit 7");
    spec.exit_record_path = record;
    spec.task_guard = find_task_guard();
    launched = launch_process(spec, &p);
    if (launched.is_ok()) task = identity_written_to(dir_ / "task");
  }).join();
  ASSERT_TRUE(launched.is_ok()) << launched.message();
  EXPECT_TRUE(is_same_process(task)) << "the command died with the thread that started it";
  int status = 0;
  ASSERT_EQ(::waitpid(p.identity.pid, &status, 0), p.identity.pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 7);
  ExitRecord ended;
  ASSERT_TRUE(read_exit_record(record, &ended));
  EXPECT_EQ(ended.exit_code, 7);
  EXPECT_EQ(out(), "");  // the command never held the record's descriptor

  LaunchSpec killed = shell("kill -USR1 $$");
  killed.exit_record_path = record;  // emptied for the next attempt
  killed.task_guard = find_task_guard();
  EXPECT_EQ(run(killed).signal, SIGUSR1);
  ASSERT_TRUE(read_exit_record(record, &ended));
  EXPECT_EQ(ended.signal, SIGUSR1);
  EXPECT_EQ(ended.exit_code, -1);
}

TEST(ExitRecord, OnlyACompleteRecordOfTheWritersFormIsRead) {
  const fs::path path = fs::temp_directory_path() / ("exit-record-" + std::to_string(::getpid()));
  ExitRecord ended;
  EXPECT_FALSE(read_exit_record(path.string(), &ended));  // none
  for (const char* bad : {"", "exit 7", "exit -1\n", "exit 256\n", "exit 7x\n", "signal 0\n",
                          "signal 999\n", "quit 1\n", "exit  7\n"}) {
    std::ofstream(path) << bad;
    EXPECT_FALSE(read_exit_record(path.string(), &ended)) << bad;
  }
  std::ofstream(path) << "exit 0\n";
  ASSERT_TRUE(read_exit_record(path.string(), &ended));
  EXPECT_EQ(ended.exit_code, 0);
  EXPECT_EQ(ended.signal, 0);
  fs::remove(path);
}

}  // namespace
}  // namespace fastgpu
