// The machine's own ceiling for daemon_throughput: how many `true` processes per second this
// host can start and reap when nothing else is done per task. No daemon, no HTTP, no state: a
// loop that posix_spawns `true`, keeps --in-flight of them running, and waits for each.
// --log-dir also creates each task's two output files there (as fastgpud does) and --preload
// sets LD_PRELOAD for the children (as fastgpud does for fractional tasks), so the cost of each
// can be read off by difference. A daemon that does more per task cannot complete more tasks
// per second than this on the same machine.
// Usage: spawn_ceiling [--tasks N] [--in-flight N] [--log-dir DIR] [--preload LIB]

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

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

int run(int tasks, int in_flight, const std::string& log_dir, const std::string& preload) {
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
      if (spawn_true(started++, log_dir, envp) < 0) return 1;
      ++running;
    }
    int status = 0;
    if (::wait(&status) < 0) {
      std::perror("wait");
      return 1;
    }
    --running;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failed;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("tasks                  %d (`true`, %d in flight%s%s)\n", tasks, in_flight,
              log_dir.empty() ? "" : ", two log files each", preload.empty() ? "" : ", preloaded");
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
  CLI11_PARSE(app, argc, argv);
  return run(tasks, in_flight, log_dir, preload);
}
