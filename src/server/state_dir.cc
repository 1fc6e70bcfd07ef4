#include "server/state_dir.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <thread>
#include <utility>

#include "core/text_file.h"

namespace fastgpu {
namespace {

// Names the SQLite database opened with the directory once it has been.
constexpr std::string_view kStoreMarker = "/store-opened";

// What the marker holds for the database at `db_path`: its absolute path and a newline.
std::string marker_text(const std::string& db_path) {
  return std::filesystem::absolute(db_path).lexically_normal().string() + "\n";
}

Status system_error(const std::string& what, const std::string& path) {
  return Status::io_error("cannot " + what + " " + path + ": " + std::strerror(errno));
}

// Makes `path` a directory of this user with mode 0700; refuses one another user owns or a link.
Status private_directory(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return system_error("create", path);
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return system_error("inspect", path);
  if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid()) {
    return Status::failed_precondition(path + " is not a directory of uid " +
                                       std::to_string(::geteuid()) +
                                       ": fastgpud keeps its state "
                                       "only in a directory of its own");
  }
  if ((st.st_mode & 0777) != 0700 && ::chmod(path.c_str(), 0700) != 0) {
    return system_error("set the mode of", path);
  }
  return Status::ok();
}

// Sets an existing regular file to 0600 (files made under an older, looser umask).
Status private_file(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return Status::ok();
  if (!S_ISREG(st.st_mode) || (st.st_mode & 0077) == 0) return Status::ok();
  if (::chmod(path.c_str(), 0600) != 0) return system_error("set the mode of", path);
  return Status::ok();
}

// The pid written in the lock file of another holder, or "unknown".
std::string holder_pid(int fd) {
  char text[32] = {};
  const ssize_t got = ::pread(fd, text, sizeof text - 1, 0);
  std::string pid(text, got > 0 ? static_cast<size_t>(got) : 0);
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid.empty() ? "unknown" : pid;
}

// True when the pid named in the lock file is a live process.
bool holder_alive(int fd) {
  const std::string text = holder_pid(fd);
  pid_t pid = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), pid);
  if (ec != std::errc() || end != text.data() + text.size() || pid <= 0) return false;
  return ::kill(pid, 0) == 0 || errno == EPERM;
}

// Takes the exclusive lock on `fd`. While the daemon that wrote its pid there lives, fails at
// once; when that daemon is gone (killed) but a child it forked still holds the descriptor for
// the moment between its fork and its exec or close_range, waits for it, up to 2 s.
bool take_lock(int fd) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (holder_alive(fd) || std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace

Status StateDir::claim(const std::string& path, StateDir* out) {
  if (path.empty()) return Status::invalid_argument("the data directory is empty");
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  for (const std::string& dir : {path, path + "/logs"}) {
    if (Status s = private_directory(dir); !s.is_ok()) return s;
  }
  const std::string lock_path = path + "/lock";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return system_error("open", lock_path);
  if (!take_lock(fd)) {
    const std::string other = holder_pid(fd);
    ::close(fd);
    return Status::failed_precondition("another fastgpud (pid " + other +
                                       ") serves the data "
                                       "directory " +
                                       path +
                                       "; stop it first, or give this one "
                                       "its own --data-dir");
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    ::close(fd);
    return system_error("write", lock_path);
  }
  StateDir claimed;
  claimed.path_ = path;
  claimed.lock_fd_ = fd;
  *out = std::move(claimed);
  return Status::ok();
}

StateDir::StateDir(StateDir&& other) noexcept
    : path_(std::move(other.path_)), lock_fd_(std::exchange(other.lock_fd_, -1)) {}

StateDir& StateDir::operator=(StateDir&& other) noexcept {
  if (this != &other) {
    if (lock_fd_ >= 0) ::close(lock_fd_);
    path_ = std::move(other.path_);
    lock_fd_ = std::exchange(other.lock_fd_, -1);
  }
  return *this;
}

StateDir::~StateDir() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

Status StateDir::check_sqlite_database(const std::string& db_path, bool start_fresh) const {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    if (Status s = private_file(db_path + suffix); !s.is_ok()) return s;
  }
  std::string remembered;
  const bool marked = read_file(path_ + std::string(kStoreMarker), &remembered).is_ok();
  // An empty marker (written before markers named the database) counts as this database's.
  const bool opened_before = marked && (remembered.empty() || remembered == marker_text(db_path));
  if (start_fresh || !opened_before) return Status::ok();
  struct stat st;
  const char* recover =
      ": restore it from a backup, or start with --start-fresh to begin with no tasks, vGPUs "
      "or accounts";
  if (::stat(db_path.c_str(), &st) != 0) {
    return Status::failed_precondition("the database " + db_path +
                                       " is missing, but fastgpud "
                                       "kept its state there before" +
                                       recover);
  }
  if (st.st_size == 0) {
    return Status::failed_precondition("the database " + db_path + " is empty (0 bytes)" + recover);
  }
  return Status::ok();
}

Status StateDir::remember_sqlite_database(const std::string& db_path) const {
  const std::string marker = path_ + std::string(kStoreMarker);
  const std::string text = marker_text(db_path);
  const std::string temporary = marker + ".tmp";
  const int fd =
      ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return system_error("create", temporary);
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!written || ::rename(temporary.c_str(), marker.c_str()) != 0) {
    return system_error("write", marker);
  }
  return Status::ok();
}

}  // namespace fastgpu
