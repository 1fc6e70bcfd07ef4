#include "runtime/process_guard.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <memory>

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

// In the guard's child: enters the command's confinement (the guard joined the cgroups
// already) and then its directory, and execs it. Returns the errno of the step that failed.
int exec_command(const GuardedCommand& command) {
  for (int signal : kStopSignals) set_disposition(signal, SIG_DFL);
  set_disposition(SIGUSR2, SIG_DFL);
  int error = 0;
  if (command.confinement != nullptr) {
    ChildConfinement rest = *command.confinement;
    rest.cgroup_procs_fds = nullptr;
    rest.cgroup_procs_count = 0;
    error = enter_confinement(rest);
  }
  if (error == 0 && command.cwd != nullptr && ::chdir(command.cwd) != 0) error = errno;
  if (error == 0) error = exec_first(command.programs, command.argv, command.envp);
  return error;
}

// fork_guarded's child: runs the command, or says on stderr why it cannot and exits 127.
[[noreturn]] void exec_or_report(const GuardedCommand& command) {
  const int error = exec_command(command);
  write_text(2, "fastgpu guard: cannot run ");
  write_text(2, command.argv[0]);
  write_text(2, ": ");
  write_text(2, strerrordesc_np(error));  // unlike strerror, takes no locale lock
  write_text(2, "\n");
  ::_exit(127);
}

[[noreturn]] void run_guard(const GuardedCommand& command, pid_t owner) {
  ::setsid();
  reset_signals();
  // The guard joins the task's cgroups (before its descriptors close), and the command with it;
  // only the command takes the task's identity, and enters its directory as that identity.
  if (command.confinement != nullptr && join_cgroups(*command.confinement) != 0) ::_exit(126);
  if (!set_up_streams(command)) ::_exit(126);
  set_disposition(SIGUSR2, kill_group);
  ::prctl(PR_SET_PDEATHSIG, SIGUSR2);
  if (::getppid() != owner) kill_group(0);  // the owner died before the line above
  for (int signal : kStopSignals) set_disposition(signal, SIG_IGN);
  const pid_t child = ::vfork();
  if (child < 0) ::_exit(126);
  if (child == 0) exec_or_report(command);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) ::_exit(126);
  }
  end_like_waited(status);
}

constexpr size_t kGuardStackBytes = 64 * 1024;

// Shared with the recording guard, which runs in the launcher's memory until it execs.
struct RecordingStart {
  const GuardedCommand* command;
  const char* guard_program;
  char* command_stack_top;  // the command's child runs on it until it execs
  int error = 0;            // set by the guard when a step of its own fails
  int command_error = 0;    // set by the command's child when it cannot run the command
};

// The children below share the launcher's memory (clone with CLONE_VM) on stacks of their own.
// They end by returning from their function, which clone() turns into the process's exit, and
// never call a function that does not return: AddressSanitizer checks the stack before each
// such call, finds one that is not a thread's, and writes a warning into the task's stderr (or,
// in a vfork() there, spins).

// The recording guard's child: the command, or its errno in start->command_error and exit 127.
int command_main(void* arg) {
  auto* start = static_cast<RecordingStart*>(arg);
  start->command_error = exec_command(*start->command);
  return 127;
}

// The recording guard before its exec: like run_guard, but in the launcher's memory (clone with
// CLONE_VM | CLONE_VFORK), so it ends by exec'ing the guard program, which waits for the command.
// It starts the command the same way, on a stack of its own.
int recording_guard_main(void* arg) {
  auto* start = static_cast<RecordingStart*>(arg);
  const GuardedCommand& command = *start->command;
  const auto fail = [start](int error) {
    start->error = error;
    return 126;
  };
  if (::setsid() < 0) return fail(errno);
  reset_signals();
  if (command.confinement != nullptr && join_cgroups(*command.confinement) != 0) return fail(errno);
  if (!set_up_streams(command)) return fail(errno);
  // Ignored, not handled: what is ignored stays ignored across the exec below.
  for (int signal : kStopSignals) set_disposition(signal, SIG_IGN);
  const pid_t child =
      ::clone(command_main, start->command_stack_top, CLONE_VM | CLONE_VFORK | SIGCHLD, start);
  if (child < 0) return fail(errno);
  if (start->command_error != 0) {  // it has exited: reap it, and report why
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    return 127;
  }
  // The guard program keeps the record's descriptor; the command has exec'd without it.
  if (::fcntl(kExitRecordFd, F_SETFD, 0) != 0) {
    ::kill(child, SIGKILL);
    return fail(errno);
  }
  char pid_text[16];
  *std::to_chars(pid_text, pid_text + sizeof pid_text - 1, child).ptr = '\0';
  char* const argv[] = {const_cast<char*>(start->guard_program), pid_text, nullptr};
  char* const envp[] = {nullptr};
  ::execve(start->guard_program, argv, envp);
  ::kill(child, SIGKILL);  // nobody would wait for it
  return fail(errno);
}

}  // namespace

std::string find_task_guard() {
  std::error_code error;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return "";
  const std::string guard = (self.parent_path() / kTaskGuardProgram).string();
  return ::access(guard.c_str(), X_OK) == 0 ? guard : "";
}

pid_t spawn_recording_guard(const GuardedCommand& command, const char* guard_program, int* error,
                            int* command_error) {
  std::unique_ptr<char[]> stack(new char[kGuardStackBytes]);
  std::unique_ptr<char[]> command_stack(new char[kGuardStackBytes]);
  RecordingStart start{&command, guard_program, command_stack.get() + kGuardStackBytes};
  // No handler of the launcher may run in the guard, which shares its memory: every signal is
  // blocked across the clone and the guard puts them back to their defaults before unblocking.
  sigset_t all;
  sigset_t before;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &before);
  const pid_t pid = ::clone(recording_guard_main, stack.get() + kGuardStackBytes,
                            CLONE_VM | CLONE_VFORK | SIGCHLD, &start);
  const int clone_error = errno;
  ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
  if (pid < 0) {
    *error = clone_error;
    return -1;
  }
  if (start.error != 0 || start.command_error != 0) {  // the guard has exited: reap it
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    *command_error = start.command_error;
    *error = start.error;
    return -1;
  }
  return pid;
}

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
