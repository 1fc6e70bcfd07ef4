#include "core/text_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace fastgpu {

Status read_file(const std::string& path, std::string* contents) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::io_error(path + ": cannot open for reading");
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return Status::io_error(path + ": read error");
  *contents = std::move(buf).str();
  return Status::ok();
}

Status read_secret_file(const std::string& path, std::string* contents) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return Status::io_error(path + ": cannot open for reading");
  if (!S_ISREG(st.st_mode)) return Status::failed_precondition(path + ": not a regular file");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::failed_precondition(path + " holds secrets but its mode " + mode +
                                       " lets others read or change it: chmod 600 " + path);
  }
  return read_file(path, contents);
}

bool append_file(const std::string& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  const int write_errno = errno;
  ::close(fd);
  errno = write_errno;
  return bytes.empty();
}

}  // namespace fastgpu
