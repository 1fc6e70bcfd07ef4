#include "runtime/task_sandbox.h"

#include <fcntl.h>
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
  if (options_.slices) options_.slices->remove_root();
  for (const CgroupHierarchy* h : tree_.task_hierarchies()) {
    ::rmdir((h->mount + "/" + options_.group_base).c_str());
  }
}

Status TaskSandbox::make_scratch(const std::string& path, const std::optional<RunAs>& as) const {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);  // an earlier attempt's; does not follow links
  int made = ::mkdir(path.c_str(), 0700);
  if (made != 0 && errno == ENOENT) {  // its root went with an earlier sandbox of this name
    ::mkdir(options_.scratch_root.c_str(), options_.enabled ? 0711 : 0700);
    made = ::mkdir(path.c_str(), 0700);
  }
  if (made != 0) {
    return Status::io_error("cannot create the task's directory " + path + ": " +
                            std::strerror(errno));
  }
  if (!as) return Status::ok();
  // Given away through a descriptor of the directory just made, never by following a name.
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  const int error = fd < 0 ? errno : ::fchown(fd, as->uid, as->gid) != 0 ? errno : 0;
  if (fd >= 0) ::close(fd);
  if (error == 0) return Status::ok();
  ::rmdir(path.c_str());
  return Status::io_error("cannot give " + path + " to uid " + std::to_string(as->uid) + ": " +
                          std::strerror(error));
}

std::vector<std::string> TaskSandbox::nodes_hidden_from(const LaunchSpec& spec) const {
  std::string visible;
  for (const auto& [name, value] : spec.env) {
    if (name == "CUDA_VISIBLE_DEVICES") visible = "," + value + ",";
  }
  std::vector<std::string> hidden;
  for (const GpuDevice& gpu : options_.gpus) {
    const bool given = !gpu.uuid.empty() && visible.find("," + gpu.uuid + ",") != std::string::npos;
    if (!gpu.device_node.empty() && !given) hidden.push_back(gpu.device_node);
  }
  return hidden;
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
  if (Status s = make_scratch(scratch, as); !s.is_ok()) return s;
  bool has_home = false;
  for (const auto& [name, value] : spec->env) has_home = has_home || name == "HOME";
  if (!has_home) spec->env.emplace_back("HOME", scratch);
  if (spec->cwd.empty()) spec->cwd = scratch;
  if (!options_.enabled) return Status::ok();
  TaskCgroup group(tree_, group_of(task));
  Status s = options_.slices && as
                 ? options_.slices->prepare(task, *as, nodes_hidden_from(*spec), spec)
                 : Status::ok();
  if (s.is_ok()) s = group.create(limits);
  if (!s.is_ok()) {
    std::error_code ec;
    std::filesystem::remove_all(scratch, ec);
    if (options_.slices) options_.slices->remove(task);
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
  if (options_.slices) options_.slices->remove(task);
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
constexpr const char* kSliceRoot = "/run/fastgpu";

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

// Makes `path` with `mode`, or takes the one there if it is a real directory of this process's
// user: one that anybody else made (or a link) could be swapped under the tasks' directories.
Status make_directory(const std::string& path, mode_t mode) {
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) {
    return Status::io_error("cannot create " + path + ": " + std::strerror(errno));
  }
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid()) {
    return Status::failed_precondition(path + " is not a directory of uid " +
                                       std::to_string(::geteuid()) +
                                       ": remove it, or it could be used against the tasks");
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
  if (Status s = make_directory(out->scratch_root, 0711); !s.is_ok()) return s;
  if (Status s = make_directory(kSliceRoot, 0711); !s.is_ok()) return s;
  std::unique_ptr<TaskSlices> slices;
  if (Status s = TaskSlices::open(std::string(kSliceRoot) + "/" + out->group_base, &slices);
      !s.is_ok()) {
    return s;
  }
  out->slices = std::move(slices);
  return Status::ok();
}

}  // namespace fastgpu
