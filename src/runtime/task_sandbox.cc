#include "runtime/task_sandbox.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>

namespace fastgpu {

TaskSandbox::TaskSandbox(Options options)
    : options_(std::move(options)), tree_(options_.enabled ? CgroupTree::detect() : CgroupTree()) {}

TaskSandbox::~TaskSandbox() {
  ::rmdir(options_.scratch_root.c_str());  // only when empty: nothing of a task is removed
  for (const CgroupHierarchy* h : tree_.task_hierarchies()) {
    ::rmdir((h->mount + "/" + options_.group_base).c_str());
  }
}

std::string TaskSandbox::group_of(int64_t task) const {
  return options_.group_base + "/task-" + std::to_string(task);
}

std::string TaskSandbox::scratch_of(int64_t task) const {
  return options_.scratch_root + "/task-" + std::to_string(task);
}

Status TaskSandbox::prepare(int64_t task, const std::optional<RunAs>& who,
                            const CgroupLimits& limits, LaunchSpec* spec) const {
  const std::optional<RunAs> as = options_.enabled ? who : std::nullopt;
  const std::string scratch = scratch_of(task);
  int made = ::mkdir(scratch.c_str(), 0700);
  if (made != 0 && errno == ENOENT) {  // its root went with an earlier sandbox of this name
    ::mkdir(options_.scratch_root.c_str(), options_.enabled ? 0711 : 0700);
    made = ::mkdir(scratch.c_str(), 0700);
  }
  if (made != 0 && errno != EEXIST) {
    return Status::io_error("cannot create the task's directory " + scratch + ": " +
                            std::strerror(errno));
  }
  if (as && ::chown(scratch.c_str(), as->uid, as->gid) != 0) {
    const int error = errno;
    ::rmdir(scratch.c_str());
    return Status::io_error("cannot give " + scratch + " to uid " + std::to_string(as->uid) + ": " +
                            std::strerror(error));
  }
  bool has_home = false;
  for (const auto& [name, value] : spec->env) has_home = has_home || name == "HOME";
  if (!has_home) spec->env.emplace_back("HOME", scratch);
  if (spec->cwd.empty()) spec->cwd = scratch;
  if (!options_.enabled) return Status::ok();
  TaskCgroup group(tree_, group_of(task));
  if (Status s = group.create(limits); !s.is_ok()) {
    std::error_code ec;
    std::filesystem::remove_all(scratch, ec);
    return s;
  }
  spec->cgroup_procs = group.procs_files();
  spec->run_as = as;
  return Status::ok();
}

CgroupUsage TaskSandbox::finish(int64_t task) const {
  CgroupUsage usage;
  if (options_.enabled) {
    TaskCgroup group(tree_, group_of(task));
    group.kill();
    usage = group.usage();
    (void)group.remove();
  }
  std::error_code ec;
  std::filesystem::remove_all(scratch_of(task), ec);  // does not follow the task's symlinks
  return usage;
}

int TaskSandbox::clear_left_over() const {
  std::set<int64_t> tasks;
  std::vector<std::string> roots = {options_.scratch_root};
  for (const CgroupHierarchy* h : tree_.task_hierarchies()) {
    roots.push_back(h->mount + "/" + options_.group_base);
  }
  for (const std::string& root : roots) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
      const std::string name = entry.path().filename().string();
      int64_t id = 0;
      if (name.starts_with("task-") &&
          std::from_chars(name.data() + 5, name.data() + name.size(), id).ec == std::errc()) {
        tasks.insert(id);
      }
    }
  }
  for (int64_t task : tasks) finish(task);
  return static_cast<int>(tasks.size());
}

std::string TaskSandbox::describe() const {
  if (!options_.enabled) {
    return "not root: tasks run as this process's user, without cgroup limits";
  }
  return "tasks run as their users' own uids, in cgroups (" + tree_.describe() + ")";
}

namespace {

constexpr const char* kSharedScratchRoot = "/var/tmp/fastgpu";

// A short name stable for `dir`: PREFIX-<FNV-1a of its canonical path>.
std::string group_name(const std::string& prefix, const std::string& dir) {
  std::error_code ec;
  const std::string path = std::filesystem::weakly_canonical(dir, ec).string();
  uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : path) hash = (hash ^ c) * 1099511628211ull;
  char text[32];
  std::snprintf(text, sizeof text, "-%016llx", static_cast<unsigned long long>(hash));
  return prefix + text;
}

Status make_directory(const std::string& path, mode_t mode) {
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) {
    return Status::io_error("cannot create " + path + ": " + std::strerror(errno));
  }
  if (::chmod(path.c_str(), mode) != 0) {
    return Status::io_error("cannot set the mode of " + path + ": " + std::strerror(errno));
  }
  return Status::ok();
}

}  // namespace

Status TaskSandbox::options_for(const std::string& prefix, const std::string& dir, Options* out) {
  out->enabled = may_change_identity();
  out->group_base = group_name(prefix, dir);
  if (!out->enabled) {
    out->scratch_root = dir + "/scratch";
    return make_directory(out->scratch_root, 0700);
  }
  out->scratch_root = std::string(kSharedScratchRoot) + "/" + out->group_base;
  if (Status s = make_directory(kSharedScratchRoot, 0711); !s.is_ok()) return s;
  return make_directory(out->scratch_root, 0711);
}

}  // namespace fastgpu
