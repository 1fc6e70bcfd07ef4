#include "runtime/process_guard.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/confined_spawn.h"
#include "runtime/exit_record.h"

namespace fastgpu {
namespace {

// Everything below runs in the forked child: async-signal-safe calls only.

constexpr int kStopSignals[] = {SIGTERM, SIGINT, SIGHUP};

void set_disposition(int signal, void (*handler)(int)) {
  struct sigaction action = {};
  action.sa_handler = handler;
  ::sigaction(signal, &action, nullptr);
}

void kill_group(int) { ::kill(0, SIGKILL); }

void write_text(int fd, const char* text) {
  const ssize_t ignored = ::write(fd, text, std::strlen(text));
  (void)ignored;
}

// Signals at their defaults, none blocked, as a freshly started program expects.
void reset_signals() {
  for (int signal = 1; signal < NSIG; ++signal) set_disposition(signal, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

// The descriptor the exit record is written to once the streams are set up.
constexpr int kExitRecordFd = 3;

// stdin from /dev/null, stdout and stderr to the task's files, the exit record's descriptor (if
// any) as kExitRecordFd, closed on exec so that the command never holds it; nothing else open.
bool set_up_streams(const GuardedCommand& command) {
  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd < 0 || ::dup2(null_fd, 0) < 0 || ::dup2(command.stdout_fd, 1) < 0 ||
      ::dup2(command.stderr_fd, 2) < 0) {
    return false;
  }
  int first_closed = kExitRecordFd;
  if (command.exit_record_fd >= 0) {
    if (::dup2(command.exit_record_fd, kExitRecordFd) < 0 ||
        ::fcntl(kExitRecordFd, F_SETFD, FD_CLOEXEC) != 0) {
      return false;
    }
    first_closed = kExitRecordFd + 1;
  }
  ::close_range(static_cast<unsigned>(first_closed), ~0U, 0);
  return true;
}

[[noreturn]] void exec_command(const GuardedCommand& command) {
  for (int signal : kStopSignals) set_disposition(signal, SIG_DFL);
  set_disposition(SIGUSR2, SIG_DFL);
  int error = 0;
  if (command.confinement != nullptr) {  // the guard joined the cgroups already
    ChildConfinement rest = *command.confinement;
    rest.cgroup_procs_fds = nullptr;
    rest.cgroup_procs_count = 0;
    error = enter_confinement(rest);
  }
  if (error == 0 && command.cwd != nullptr && ::chdir(command.cwd) != 0) error = errno;
  if (error == 0) error = exec_first(command.programs, command.argv, command.envp);
  write_text(2, "fastgpu guard: cannot run ");
  write_text(2, command.argv[0]);
  write_text(2, ": ");
  write_text(2, strerrordesc_np(error));  // unlike strerror, takes no locale lock
  write_text(2, "\n");
  ::_exit(127);
}

// Ends the guard as `status` (from waitpid) says the command ended.
[[noreturn]] void end_like(int status) {
  if (WIFEXITED(status)) ::_exit(WEXITSTATUS(status));
  const int signal = WTERMSIG(status);
  set_disposition(signal, SIG_DFL);
  ::kill(::getpid(), signal);
  ::_exit(128 + signal);
}

[[noreturn]] void run_guard(const GuardedCommand& command, pid_t owner) {
  ::setsid();
  reset_signals();
  // The guard joins the task's cgroups (before its descriptors close), and the command with it;
  // only the command takes the task's identity, and enters its directory as that identity.
  if (command.confinement != nullptr && join_cgroups(*command.confinement) != 0) ::_exit(126);
  if (!set_up_streams(command)) ::_exit(126);
  if (command.dies_with_owner) {
    set_disposition(SIGUSR2, kill_group);
    ::prctl(PR_SET_PDEATHSIG, SIGUSR2);
    if (::getppid() != owner) kill_group(0);  // the owner died before the line above
  }
  for (int signal : kStopSignals) set_disposition(signal, SIG_IGN);
  const pid_t child = ::vfork();
  if (child < 0) ::_exit(126);
  if (child == 0) exec_command(command);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) ::_exit(126);
  }
  if (command.exit_record_fd >= 0) write_exit_record(kExitRecordFd, status);
  end_like(status);
}

}  // namespace

pid_t fork_guarded(const GuardedCommand& command) {
  // The guard leads its process group only once it has called setsid(); until then a signal to
  // the group would miss it. It closes every descriptor above 2 right after, the write end of
  // `ready` among them: the read below returns then, as posix_spawn returns after the exec.
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) return -1;
  const pid_t owner = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) run_guard(command, owner);
  const int fork_error = errno;
  ::close(ready[1]);
  char byte;
  while (pid > 0 && ::read(ready[0], &byte, 1) < 0 && errno == EINTR) {
  }
  ::close(ready[0]);
  errno = fork_error;
  return pid;
}

}  // namespace fastgpu
