// The machine's own ceiling for daemon_throughput: how many `true` processes per second this
// host can start and reap when nothing else is done per task. No daemon, no HTTP, no state: a
// loop that posix_spawns `true`, keeps --in-flight of them running, and waits for each.
// --log-dir also creates each task's two output files there (as fastgpud does) and --preload
// sets LD_PRELOAD for the children (as fastgpud does for fractional tasks), so the cost of each
// can be read off by difference. --confine (root) takes fastgpud's confinement steps for each
// task as well: a TaskSandbox (a cgroup with limits, a scratch directory, an unprivileged uid,
// and with --preload the slice files shown through a private mount namespace) prepared before
// the spawn and finished (group killed, usage read, removed) after the reap.
// A daemon that does more per task cannot complete more tasks per second than this on the same
// machine.
// Usage: spawn_ceiling [--tasks N] [--in-flight N] [--log-dir DIR] [--preload LIB] [--confine]

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/process_launcher.h"
#include "runtime/task_sandbox.h"

extern char** environ;

namespace {

// The environment the children get: ours, with LD_PRELOAD=`preload` when it is not empty.
std::vector<std::string> child_environment(const std::string& preload) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (preload.empty() || std::strncmp(*e, "LD_PRELOAD=", 11) != 0) env.emplace_back(*e);
  }
  if (!preload.empty()) env.push_back("LD_PRELOAD=" + preload);
  return env;
}

// Starts `true` with stdout and stderr sent to DIR/task-N.out and .err when `log_dir` is set.
// Returns the pid, or -1 with a message on stderr.
pid_t spawn_true(int n, const std::string& log_dir, std::vector<char*>& envp) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!log_dir.empty()) {
    const std::string base = log_dir + "/task-" + std::to_string(n);
    const int flags = O_WRONLY | O_CREAT | O_APPEND | O_NOCTTY;
    posix_spawn_file_actions_addopen(&actions, 1, (base + ".out").c_str(), flags, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, (base + ".err").c_str(), flags, 0600);
  }
  char arg0[] = "true";
  char* argv[] = {arg0, nullptr};
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, "true", &actions, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    std::fprintf(stderr, "posix_spawnp(true): %s\n", std::strerror(rc));
    return -1;
  }
  return pid;
}

// The confinement of fastgpud's tasks, taken for each `true`: a sandbox prepared before the
// launch and finished after the reap.
class Confined {
 public:
  static std::unique_ptr<Confined> make(const std::string& preload) {
    const std::string dir = std::filesystem::temp_directory_path() / "fastgpu-spawn-ceiling";
    std::filesystem::create_directories(dir);
    TaskSandboxOptions options;
    if (fastgpu::Status s = fastgpu::TaskSandbox::options_for("spawn-ceiling", dir, &options);
        !s.is_ok() || !options.enabled) {
      std::fprintf(stderr, "--confine: %s\n", s.is_ok() ? "needs root" : s.message().c_str());
      return nullptr;
    }
    return std::unique_ptr<Confined>(new Confined(options, preload));
  }
  // Starts task `n`; returns its pid, or -1 with a message on stderr.
  pid_t spawn(int n, const std::string& log_dir) {
    fastgpu::LaunchSpec spec;
    spec.argv = {"/bin/true"};
    spec.env = {{"PATH", "/usr/bin:/bin"}};
    spec.ld_preload = preload_;
    if (!log_dir.empty()) {
      spec.stdout_path = log_dir + "/task-" + std::to_string(n) + ".out";
      spec.stderr_path = log_dir + "/task-" + std::to_string(n) + ".err";
    }
    fastgpu::CgroupLimits limits;  // what fastgpud gives daemon_throughput's tasks (no cpu asked)
    limits.memory_bytes = int64_t{4} << 30;
    limits.pids = 4096;
    fastgpu::LaunchedProcess process;
    fastgpu::Status s = sandbox_.prepare(n, fastgpu::RunAs{1900000000, 1900000000}, limits, &spec);
    if (s.is_ok()) s = fastgpu::launch_process(spec, &process);
    if (!s.is_ok()) {
      std::fprintf(stderr, "confined launch: %s\n", s.message().c_str());
      return -1;
    }
    task_of_[process.identity.pid] = n;
    return process.identity.pid;
  }
  void finish(pid_t pid) {
    sandbox_.finish(task_of_.at(pid));
    task_of_.erase(pid);
  }

 private:
  using TaskSandboxOptions = fastgpu::TaskSandbox::Options;
  Confined(TaskSandboxOptions options, std::string preload)
      : sandbox_(std::move(options)), preload_(std::move(preload)) {}
  fastgpu::TaskSandbox sandbox_;
  std::string preload_;
  std::unordered_map<pid_t, int> task_of_;
};

int run(int tasks, int in_flight, const std::string& log_dir, const std::string& preload,
        bool confine) {
  std::unique_ptr<Confined> confined;
  if (confine && !(confined = Confined::make(preload))) return 1;
  std::vector<std::string> env = child_environment(preload);
  std::vector<char*> envp;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  const auto start = std::chrono::steady_clock::now();
  int started = 0;
  int running = 0;
  int failed = 0;
  for (int done = 0; done < tasks; ++done) {
    while (running < in_flight && started < tasks) {
      const pid_t pid =
          confined ? confined->spawn(started++, log_dir) : spawn_true(started++, log_dir, envp);
      if (pid < 0) return 1;
      ++running;
    }
    int status = 0;
    const pid_t ended = ::wait(&status);
    if (ended < 0) {
      std::perror("wait");
      return 1;
    }
    if (confined) confined->finish(ended);
    --running;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failed;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("tasks                  %d (`true`, %d in flight%s%s%s)\n", tasks, in_flight,
              log_dir.empty() ? "" : ", two log files each", preload.empty() ? "" : ", preloaded",
              confine ? ", confined" : "");
  std::printf("started and reaped/s   %.0f\n", tasks / seconds);
  if (failed > 0) std::printf("failed                 %d\n", failed);
  return failed > 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"the host's ceiling for starting and reaping `true` processes"};
  int tasks = 20000;
  int in_flight = 16;
  std::string log_dir;
  std::string preload;
  app.add_option("--tasks", tasks, "processes to start")->check(CLI::Range(1, 10'000'000));
  app.add_option("--in-flight", in_flight, "processes running at once")->check(CLI::Range(1, 4096));
  app.add_option("--log-dir", log_dir, "create each task's .out and .err files here")
      ->check(CLI::ExistingDirectory);
  app.add_option("--preload", preload, "a library the children get in LD_PRELOAD")
      ->check(CLI::ExistingFile);
  bool confine = false;
  app.add_flag("--confine", confine,
               "take fastgpud's confinement steps per task (cgroup, scratch, uid; root only)");
  CLI11_PARSE(app, argc, argv);
  return run(tasks, in_flight, log_dir, preload, confine);
}
