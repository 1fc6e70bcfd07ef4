#include "server/loop/output_cap.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>

namespace fastgpu {

std::string log_cap_note(int64_t cap) {
  return "\n[fastgpu: this output passed the log cap of " + std::to_string(cap >> 20) + " MiB (" +
         std::to_string(cap) + " bytes): the rest was dropped and the task stopped]\n";
}

bool cut_log_over_cap(const std::string& path, int64_t cap) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || st.st_size <= cap) return false;
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
  if (fd < 0) return true;
  const std::string note = log_cap_note(cap);
  const int64_t keep = std::max<int64_t>(0, cap - static_cast<int64_t>(note.size()));
  if (::ftruncate(fd, keep) == 0) (void)!::write(fd, note.data(), note.size());
  ::close(fd);
  return true;
}

size_t bytes_under_cap(int64_t offset, std::string_view bytes, int64_t cap) {
  const int64_t room = cap - static_cast<int64_t>(log_cap_note(cap).size()) - offset;
  return static_cast<size_t>(std::clamp<int64_t>(room, 0, static_cast<int64_t>(bytes.size())));
}

int64_t free_disk_bytes(const std::string& dir) {
  struct statvfs fs {};
  if (::statvfs(dir.c_str(), &fs) != 0) return -1;
  return static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize);
}

}  // namespace fastgpu
