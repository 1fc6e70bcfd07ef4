#include "server/loop/attempt_marker.h"

#include <fcntl.h>
#include <unistd.h>

#include "core/text_file.h"

namespace fastgpu {
namespace {

// True when the file at `path` exists, is not empty and its last byte is not a newline.
bool ends_mid_line(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char last = '\n';
  const off_t size = ::lseek(fd, 0, SEEK_END);
  if (size > 0 && ::pread(fd, &last, 1, size - 1) != 1) last = '\n';
  ::close(fd);
  return last != '\n';
}

}  // namespace

std::string attempt_marker(const TaskRecord& task) {
  if (task.attempts <= 0) return "";
  const std::string next = std::to_string(task.attempts + 1);
  std::string reason = task.failure_reason.empty() ? "no reason recorded" : task.failure_reason;
  for (char& c : reason) {
    if (c == '\n' || c == '\r') c = ' ';  // the marker stays one line
  }
  return "--- fastgpu: attempt " + next + " of task " + std::to_string(task.id) + " (attempt " +
         std::to_string(task.attempts) + " ended: " + reason + ") ---\n";
}

bool mark_attempt_in_logs(const std::string& log_base, const TaskRecord& task) {
  const std::string marker = attempt_marker(task);
  if (marker.empty()) return true;
  bool written = true;
  for (const char* suffix : {".out", ".err"}) {
    const std::string path = log_base + suffix;
    written = append_file(path, ends_mid_line(path) ? "\n" + marker : marker) && written;
  }
  return written;
}

}  // namespace fastgpu
