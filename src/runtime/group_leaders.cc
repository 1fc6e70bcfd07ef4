#include "runtime/group_leaders.h"

#include <dirent.h>
#include <unistd.h>

#include <charconv>
#include <cstring>
#include <memory>

namespace fastgpu {
namespace {

// The pid a /proc entry names, or 0 when the entry is not a process.
pid_t pid_of_entry(const char* name) {
  pid_t pid = 0;
  const char* end = name + std::strlen(name);
  auto [stop, ec] = std::from_chars(name, end, pid);
  return ec == std::errc() && stop == end ? pid : 0;
}

// Where fd 1 of `pid` points, or "" when it is closed or cannot be read.
std::string stdout_target(pid_t pid) {
  const std::string link = "/proc/" + std::to_string(pid) + "/fd/1";
  char target[4096];
  const ssize_t length = ::readlink(link.c_str(), target, sizeof(target));
  if (length <= 0 || static_cast<size_t>(length) >= sizeof(target)) return "";
  return std::string(target, static_cast<size_t>(length));
}

}  // namespace

std::vector<GroupLeader> list_group_leaders() {
  std::vector<GroupLeader> leaders;
  std::unique_ptr<DIR, int (*)(DIR*)> proc(::opendir("/proc"), &::closedir);
  if (!proc) return leaders;
  while (const dirent* entry = ::readdir(proc.get())) {
    const pid_t pid = pid_of_entry(entry->d_name);
    if (pid <= 0 || ::getpgid(pid) != pid) continue;
    std::string target = stdout_target(pid);
    uint64_t start_time = 0;
    if (target.empty() || !read_process_start_time(pid, &start_time).is_ok()) continue;
    leaders.push_back({{pid, start_time}, std::move(target)});
  }
  return leaders;
}

}  // namespace fastgpu
