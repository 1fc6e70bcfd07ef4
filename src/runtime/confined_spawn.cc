#include "runtime/confined_spawn.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <memory>

namespace fastgpu {
namespace {

constexpr size_t kChildStackBytes = 64 * 1024;

// Shared with the child, which runs in the launcher's memory until it execs.
struct ChildStart {
  const SpawnRequest* request;
  int error = 0;  // set by the child when a step fails
};

// Runs in the child: async-signal-safe calls only, nothing allocated.
int child_main(void* arg) {
  auto* start = static_cast<ChildStart*>(arg);
  const SpawnRequest& r = *start->request;
  const auto fail = [start](int error) {
    start->error = error;
    ::_exit(127);
    return 0;
  };
  if (::setsid() < 0) return fail(errno);
  struct sigaction by_default = {};
  by_default.sa_handler = SIG_DFL;
  for (int signal = 1; signal < NSIG; ++signal) ::sigaction(signal, &by_default, nullptr);
  sigset_t none;
  sigemptyset(&none);
  if (::sigprocmask(SIG_SETMASK, &none, nullptr) != 0) return fail(errno);
  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd < 0) return fail(errno);
  if (::dup2(null_fd, 0) < 0 || ::dup2(r.stdout_fd, 1) < 0 || ::dup2(r.stderr_fd, 2) < 0) {
    return fail(errno);
  }
  if (int error = enter_confinement(r.confinement); error != 0) return fail(error);
  if (r.cwd != nullptr && ::chdir(r.cwd) != 0) return fail(errno);
  ::close_range(3, ~0U, 0);
  return fail(exec_first(r.programs, r.argv, r.envp));
}

}  // namespace

int exec_first(char* const* programs, char* const* argv, char* const* envp) {
  int error = ENOENT;
  bool denied = false;
  for (char* const* program = programs; *program != nullptr; ++program) {
    ::execve(*program, argv, envp);
    error = errno;
    if (error == EACCES) {
      denied = true;
    } else if (error != ENOENT && error != ENOTDIR) {
      return error;
    }
  }
  return denied ? EACCES : error;
}

pid_t spawn_confined(const SpawnRequest& request, int* error) {
  ChildStart start{&request};
  std::unique_ptr<char[]> stack(new char[kChildStackBytes]);
  // No handler of the launcher may run in the child, which shares its memory: every signal is
  // blocked across the clone and the child puts them back to their defaults before unblocking.
  sigset_t all;
  sigset_t before;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &before);
  const pid_t pid =
      ::clone(child_main, stack.get() + kChildStackBytes, CLONE_VM | CLONE_VFORK | SIGCHLD, &start);
  const int clone_error = errno;
  ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
  if (pid < 0) {
    *error = clone_error;
    return -1;
  }
  if (start.error != 0) {  // the child has exited: reap it
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    *error = start.error;
    return -1;
  }
  return pid;
}

}  // namespace fastgpu
