// fastgpu-task-guard: the program fastgpud's recording guard becomes (spawn_recording_guard in
// runtime/process_guard.h). It is exec'd by the guard process with the task's command already
// running as its child: it waits for that child, writes how it ended to the exit record on
// descriptor 3, and ends the same way, so that a restarted fastgpud learns a task's exit status
// even when the task ended while no fastgpud was running.
//   fastgpu-task-guard CHILD_PID   (descriptor 3: the exit record file)

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "runtime/exit_record.h"

namespace {

constexpr int kExitRecordFd = 3;

int usage(const char* why) {
  std::fprintf(stderr,
               "fastgpu-task-guard: %s\nusage: fastgpu-task-guard CHILD_PID (run by fastgpud's "
               "task guard, with the command already its child and its exit record on "
               "descriptor 3)\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return usage("expected one argument");
  pid_t child = 0;
  const char* end = argv[1] + std::strlen(argv[1]);
  if (const auto parsed = std::from_chars(argv[1], end, child);
      parsed.ec != std::errc() || parsed.ptr != end || child <= 0) {
    return usage("CHILD_PID must be a positive number");
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) return usage("CHILD_PID is not a child of this process");
  }
  if (::fcntl(kExitRecordFd, F_GETFD) >= 0) fastgpu::write_exit_record(kExitRecordFd, status);
  fastgpu::end_like_waited(status);
}
