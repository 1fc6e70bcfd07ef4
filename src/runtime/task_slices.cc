#include "runtime/task_slices.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

#include "vgpu/vgpu_config.h"

namespace fastgpu {
namespace {

constexpr const char* kHostPreload = "/etc/ld.so.preload";

Status io_error(const std::string& what, const std::string& path) {
  return Status::io_error("cannot " + what + " " + path + ": " + std::strerror(errno));
}

// Makes directory `path` readable by all (0755) whatever the umask; EEXIST is not an error.
Status make_public_directory(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) return io_error("create", path);
  return ::chmod(path.c_str(), 0755) == 0 ? Status::ok() : io_error("set the mode of", path);
}

// Writes `text` to a new root-owned file `path`, readable by all (0644) whatever the umask.
Status write_public_file(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("create", path);
  const bool written = ::fchmod(fd, 0644) == 0 &&
                       ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const int error = errno;
  ::close(fd);
  errno = error;
  return written ? Status::ok() : io_error("write", path);
}

// What the slice file carries; FASTGPU_VGPU_LEDGER_DIR is the launcher's own.
bool is_slice_variable(const std::string& name) {
  return (name.starts_with("FASTGPU_VGPU_") && name != "FASTGPU_VGPU_LEDGER_DIR") ||
         name == "CUDA_VISIBLE_DEVICES";
}

}  // namespace

TaskSlices::TaskSlices(std::string root, std::string host_preload)
    : root_(std::move(root)), host_preload_(std::move(host_preload)) {}

Status TaskSlices::open(const std::string& root, std::unique_ptr<TaskSlices>* out) {
  if (::mkdir(root.c_str(), 0711) != 0 && errno != EEXIST) return io_error("create", root);
  if (::chmod(root.c_str(), 0711) != 0) return io_error("set the mode of", root);
  if (Status s = make_public_directory(vgpu::kSliceFileDir); !s.is_ok()) return s;
  const std::string masked = root + "/masked";
  const int masked_fd = ::open(masked.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0);
  if (masked_fd < 0) return io_error("create", masked);
  const bool closed_off = ::fchmod(masked_fd, 0) == 0;
  ::close(masked_fd);
  if (!closed_off) return io_error("set the mode of", masked);
  struct stat st {};
  if (::stat(kHostPreload, &st) != 0) {  // absent: an empty one, which every user may read
    if (Status s = write_public_file(kHostPreload, ""); !s.is_ok()) return s;
  }
  std::ostringstream host;
  host << std::ifstream(kHostPreload).rdbuf();
  out->reset(new TaskSlices(root, host.str()));
  return Status::ok();
}

std::string TaskSlices::dir_of(int64_t task) const {
  return root_ + "/task-" + std::to_string(task);
}

Status TaskSlices::make_ledger_dir(const std::string& vgpu_id, const RunAs& who,
                                   std::string* dir) const {
  *dir = ledger_dir_of(vgpu_id);
  if (::mkdir(dir->c_str(), 0700) != 0 && errno != EEXIST) return io_error("create", *dir);
  const int fd = ::open(dir->c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return io_error("open", *dir);
  struct stat st {};
  const bool given =
      ::fstat(fd, &st) == 0 &&
      (st.st_uid == who.uid || (st.st_uid == 0 && ::fchown(fd, who.uid, who.gid) == 0));
  const int error = errno;
  ::close(fd);
  errno = error;
  if (!given) return io_error("give the vGPU ledger directory to its tenant:", *dir);
  return Status::ok();
}

std::string TaskSlices::ledger_dir_of(const std::string& vgpu_id) const {
  return root_ + "/ledger-" + vgpu_id;
}

void TaskSlices::remove_ledger(const std::string& vgpu_id) const {
  if (vgpu_id.empty() || vgpu_id.find('/') != std::string::npos) return;
  std::error_code ec;
  std::filesystem::remove_all(ledger_dir_of(vgpu_id), ec);
}

Status TaskSlices::prepare(int64_t task, const RunAs& who, const std::vector<std::string>& hidden,
                           LaunchSpec* spec) const {
  for (const std::string& node : hidden) spec->binds.emplace_back(masked_file(), node);
  if (spec->ld_preload.empty()) return Status::ok();
  const std::string dir = dir_of(task);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);  // an earlier attempt's
  if (Status s = make_public_directory(dir); !s.is_ok()) return s;
  std::string slice;
  for (const auto& [name, value] : spec->env) {
    if (is_slice_variable(name)) slice += name + "=" + value + "\n";
    if (name != "FASTGPU_VGPU_ID" || value.find('/') != std::string::npos) continue;
    std::string ledger;
    if (Status s = make_ledger_dir(value, who, &ledger); !s.is_ok()) {
      remove(task);
      return s;
    }
    slice += "FASTGPU_VGPU_LEDGER_DIR=" + ledger + "\n";
  }
  std::string preload = host_preload_;
  if (!preload.empty() && !preload.ends_with('\n')) preload += '\n';
  preload += spec->ld_preload + "\n";
  Status s = write_public_file(dir + "/ld.so.preload", preload);
  if (s.is_ok()) s = write_public_file(dir + "/slice.env", slice);
  if (!s.is_ok()) {
    remove(task);
    return s;
  }
  spec->binds.emplace_back(dir + "/ld.so.preload", kHostPreload);
  spec->binds.emplace_back(dir, vgpu::kSliceFileDir);
  spec->ld_preload.clear();
  return Status::ok();
}

std::string TaskSlices::masked_file() const { return root_ + "/masked"; }

void TaskSlices::remove_root() const {
  ::unlink(masked_file().c_str());
  ::rmdir(root_.c_str());
}

void TaskSlices::remove(int64_t task) const {
  // A ledger of this task alone (a pool task's, "...-t<task>") goes with it; a vGPU's stays.
  std::ifstream slice(dir_of(task) + "/slice.env");
  for (std::string line; std::getline(slice, line);) {
    constexpr std::string_view kId = "FASTGPU_VGPU_ID=";
    if (line.starts_with(kId) && line.ends_with("-t" + std::to_string(task))) {
      remove_ledger(line.substr(kId.size()));
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_of(task), ec);
}

}  // namespace fastgpu
