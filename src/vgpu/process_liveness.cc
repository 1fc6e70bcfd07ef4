#include "vgpu/process_liveness.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace fastgpu::vgpu {

uint64_t process_start_ticks(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char text[1024];
  const ssize_t length = ::read(fd, text, sizeof text - 1);
  ::close(fd);
  if (length <= 0) return 0;
  text[length] = '\0';
  // The command name (field 2) may hold spaces; fields are counted after its closing ')'.
  const char* cursor = std::strrchr(text, ')');
  if (cursor == nullptr) return 0;
  for (int field = 2; field < 22 && cursor != nullptr; ++field) {
    cursor = std::strchr(cursor + 1, ' ');
  }
  return cursor == nullptr ? 0 : std::strtoull(cursor + 1, nullptr, 10);
}

bool process_alive(pid_t pid, uint64_t start_ticks) {
  if (pid <= 0) return false;
  if (::kill(pid, 0) != 0 && errno == ESRCH) return false;
  if (start_ticks == 0) return true;
  const uint64_t now_ticks = process_start_ticks(pid);
  return now_ticks == 0 || now_ticks == start_ticks;
}

}  // namespace fastgpu::vgpu
