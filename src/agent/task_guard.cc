// fastgpu-task-guard AGENT_PID PROGRAM [ARGS...]: runs a task of fastgpu-agent so that it dies
// with the agent. It leads the task's process group (the agent started it in its own session),
// forks PROGRAM in that group and waits for it; if the agent dies, even by SIGKILL, the kernel
// sends the guard SIGUSR2 (PR_SET_PDEATHSIG) and the guard kills the whole group. It ends as
// PROGRAM ended (same exit code, or killed by the same signal). It ignores SIGTERM, SIGINT and
// SIGHUP, which the agent's stop sends to the whole group, so that PROGRAM gets its grace
// period; SIGKILL ends both.
//
// Plain POSIX with no C++ library, so that it starts in microseconds.

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

constexpr int kStopSignals[] = {SIGTERM, SIGINT, SIGHUP};

void kill_group(int) { kill(0, SIGKILL); }

[[noreturn]] void run_program(char** argv) {
  for (int stop : kStopSignals) ::signal(stop, SIG_DFL);
  ::signal(SIGUSR2, SIG_DFL);
  execvp(argv[0], argv);
  std::fprintf(stderr, "fastgpu-task-guard: %s: %s\n", argv[0], std::strerror(errno));
  _exit(errno == ENOENT ? 127 : 126);
}

// Ends this process as `status` (from waitpid) says the program ended.
[[noreturn]] void end_like(int status) {
  if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
  const int signal = WTERMSIG(status);
  ::signal(signal, SIG_DFL);
  kill(getpid(), signal);
  _exit(128 + signal);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: fastgpu-task-guard AGENT_PID PROGRAM [ARGS...]\n");
    return 125;
  }
  if (getpgrp() != getpid()) {  // it kills its group: it must be a group of its own
    std::fprintf(stderr, "fastgpu-task-guard: must lead its own process group\n");
    return 125;
  }
  const pid_t agent = static_cast<pid_t>(std::atol(argv[1]));
  struct sigaction on_agent_death = {};
  on_agent_death.sa_handler = kill_group;
  sigaction(SIGUSR2, &on_agent_death, nullptr);
  prctl(PR_SET_PDEATHSIG, SIGUSR2);
  if (getppid() != agent) kill_group(0);  // the agent died before the line above
  for (int stop : kStopSignals) ::signal(stop, SIG_IGN);
  const pid_t child = fork();
  if (child < 0) {
    std::perror("fastgpu-task-guard: fork");
    return 126;
  }
  if (child == 0) run_program(argv + 2);
  int status = 0;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) return 126;
  }
  end_like(status);
}
