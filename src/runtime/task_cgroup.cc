#include "runtime/task_cgroup.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/text_file.h"

namespace fastgpu {
namespace {

constexpr int64_t kCpuPeriodUs = 100'000;

Status write_text(const std::string& path, const std::string& text) {
  std::ofstream file(path);
  file << text;
  file.flush();
  if (!file) {
    return Status::io_error("cannot write \"" + text + "\" to " + path + ": " +
                            std::strerror(errno));
  }
  return Status::ok();
}

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

int64_t to_int(std::string_view text) {
  int64_t value = 0;
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// The number of a file holding one number; 0 when it cannot be read.
int64_t read_number(const std::string& path) {
  std::string text;
  if (!read_file(path, &text).is_ok()) return 0;
  return to_int(text);
}

// The value of `key` in a flat keyed file ("usage_usec 123\n..."); 0 when absent.
int64_t read_key(const std::string& path, std::string_view key) {
  std::string text;
  if (!read_file(path, &text).is_ok()) return 0;
  for (size_t at = 0; at < text.size();) {
    const size_t end = std::min(text.find('\n', at), text.size());
    std::string_view line(text.data() + at, end - at);
    if (line.starts_with(key) && line.size() > key.size() && line[key.size()] == ' ') {
      return to_int(line.substr(key.size() + 1));
    }
    at = end + 1;
  }
  return 0;
}

// On v2, a group's controllers come from its parent's cgroup.subtree_control: enable the ones
// the tree offers from the mount down to the group's parent.
Status delegate_controllers(const CgroupHierarchy& v2, const std::string& group) {
  std::string enable;
  for (const std::string& c : v2.controllers) {
    if (c != "memory" && c != "cpu" && c != "pids") continue;
    if (!enable.empty()) enable += ' ';
    enable += '+';
    enable += c;
  }
  if (enable.empty()) return Status::ok();
  std::string dir = v2.mount;
  for (const std::filesystem::path& part : std::filesystem::path(group).parent_path()) {
    if (Status s = write_text(dir + "/cgroup.subtree_control", enable); !s.is_ok()) return s;
    dir += '/';
    dir += part.native();
  }
  return write_text(dir + "/cgroup.subtree_control", enable);
}

}  // namespace

TaskCgroup::TaskCgroup(const CgroupTree& tree, std::string group)
    : tree_(tree), group_(std::move(group)) {
  for (const CgroupHierarchy* h : tree_.task_hierarchies()) {
    dirs_.push_back({h->mount + "/" + group_, h});
  }
}

const TaskCgroup::Dir* TaskCgroup::dir_of(std::string_view controller) const {
  const CgroupHierarchy* h = tree_.find(controller);
  for (const Dir& d : dirs_) {
    if (d.hierarchy == h) return &d;
  }
  return nullptr;
}

bool TaskCgroup::needed(const Dir& d, const CgroupLimits& limits) const {
  for (std::string_view controller : {"memory", "cpuacct", "pids"}) {
    if (tree_.find(controller) == d.hierarchy) return true;
  }
  return d.hierarchy->v2 || limits.cpu_milli > 0;  // a v1 cpu tree of its own: for a quota
}

Status TaskCgroup::create(const CgroupLimits& limits) {
  if (dirs_.empty()) return Status::failed_precondition("no cgroup hierarchy is mounted");
  made_.clear();
  for (const Dir& d : dirs_) {
    if (!needed(d, limits)) continue;
    made_.push_back(&d);
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(d.path).parent_path(), ec);
    if (ec || (::mkdir(d.path.c_str(), 0755) != 0 && errno != EEXIST)) {
      const std::string why = ec ? ec.message() : std::strerror(errno);
      (void)remove();
      return Status::io_error("cannot create cgroup " + d.path + ": " + why);
    }
    if (d.hierarchy->v2) {
      if (Status s = delegate_controllers(*d.hierarchy, group_); !s.is_ok()) {
        (void)remove();
        return s;
      }
    }
  }
  if (Status s = write_limits(limits); !s.is_ok()) {
    (void)remove();
    return s;
  }
  return Status::ok();
}

Status TaskCgroup::write_limits(const CgroupLimits& limits) const {
  if (limits.memory_bytes > 0) {
    const Dir* d = dir_of("memory");
    if (d == nullptr) return Status::failed_precondition("no memory controller is mounted");
    const std::string bytes = std::to_string(limits.memory_bytes);
    const bool v2 = d->hierarchy->v2;
    if (Status s = write_text(d->path + (v2 ? "/memory.max" : "/memory.limit_in_bytes"), bytes);
        !s.is_ok()) {
      return s;
    }
    // Swap would let a task hold more than its limit, slowly: none on v2, memory + swap held to
    // the same figure on v1 (where the kernel accounts swap at all).
    const std::string swap = d->path + (v2 ? "/memory.swap.max" : "/memory.memsw.limit_in_bytes");
    if (exists(swap)) {
      if (Status s = write_text(swap, v2 ? "0" : bytes); !s.is_ok()) return s;
    }
  }
  if (limits.cpu_milli > 0) {
    const Dir* d = dir_of("cpu");
    if (d == nullptr) return Status::failed_precondition("no cpu controller is mounted");
    const std::string quota = std::to_string(limits.cpu_milli * kCpuPeriodUs / 1000);
    if (d->hierarchy->v2) {
      if (Status s = write_text(d->path + "/cpu.max", quota + " " + std::to_string(kCpuPeriodUs));
          !s.is_ok()) {
        return s;
      }
    } else {
      if (Status s = write_text(d->path + "/cpu.cfs_period_us", std::to_string(kCpuPeriodUs));
          !s.is_ok()) {
        return s;
      }
      if (Status s = write_text(d->path + "/cpu.cfs_quota_us", quota); !s.is_ok()) return s;
    }
  }
  if (limits.pids > 0) {
    const Dir* d = dir_of("pids");
    if (d == nullptr) return Status::failed_precondition("no pids controller is mounted");
    if (Status s = write_text(d->path + "/pids.max", std::to_string(limits.pids)); !s.is_ok()) {
      return s;
    }
  }
  return Status::ok();
}

std::vector<std::string> TaskCgroup::procs_files() const {
  std::vector<std::string> files;
  for (const Dir* d : made_) files.push_back(d->path + "/cgroup.procs");
  return files;
}

std::vector<pid_t> TaskCgroup::pids() const {
  std::vector<pid_t> out;
  for (const Dir& d : dirs_) {
    std::string text;
    if (!read_file(d.path + "/cgroup.procs", &text).is_ok()) continue;
    for (size_t at = 0; at < text.size();) {
      const size_t end = std::min(text.find('\n', at), text.size());
      if (const int64_t pid = to_int(std::string_view(text).substr(at, end - at)); pid > 0) {
        out.push_back(static_cast<pid_t>(pid));
      }
      at = end + 1;
    }
  }
  return out;
}

bool TaskCgroup::empty() const { return pids().empty(); }

bool TaskCgroup::kill(int wait_ms) const {
  const Dir* unified = nullptr;
  for (const Dir& d : dirs_) {
    if (d.hierarchy->v2 && exists(d.path + "/cgroup.kill")) unified = &d;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  for (;;) {
    const std::vector<pid_t> left = pids();
    if (left.empty()) return true;
    // cgroup.kill takes every process at once, a fork racing it included; on v1, each listed
    // process is killed and the list read again until it stays empty.
    if (unified == nullptr || !write_text(unified->path + "/cgroup.kill", "1").is_ok()) {
      for (pid_t pid : left) ::kill(pid, SIGKILL);
    }
    if (std::chrono::steady_clock::now() >= deadline) return pids().empty();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

CgroupUsage TaskCgroup::usage() const {
  CgroupUsage usage;
  if (const Dir* d = dir_of("cpuacct")) {
    usage.cpu_ns = d->hierarchy->v2 ? read_key(d->path + "/cpu.stat", "usage_usec") * 1000
                                    : read_number(d->path + "/cpuacct.usage");
  } else if (const CgroupHierarchy* v2 = tree_.unified()) {  // cpu.stat is there without cpu
    usage.cpu_ns = read_key(v2->mount + "/" + group_ + "/cpu.stat", "usage_usec") * 1000;
  }
  if (const Dir* d = dir_of("memory")) {
    const bool v2 = d->hierarchy->v2;
    usage.peak_memory_bytes =
        read_number(d->path + (v2 ? "/memory.peak" : "/memory.max_usage_in_bytes"));
    usage.oom_kills =
        read_key(d->path + (v2 ? "/memory.events" : "/memory.oom_control"), "oom_kill");
  }
  return usage;
}

Status TaskCgroup::remove() const {
  Status result = Status::ok();
  for (const Dir& d : dirs_) {
    // A group whose last process has just died may stay busy for a moment.
    int error = 0;
    for (int attempt = 0; attempt < 50; ++attempt) {
      if (::rmdir(d.path.c_str()) == 0 || errno == ENOENT) {
        error = 0;
        break;
      }
      error = errno;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (error != 0 && result.is_ok()) {
      result = Status::io_error("cannot remove cgroup " + d.path + ": " + std::strerror(error));
    }
  }
  return result;
}

}  // namespace fastgpu
