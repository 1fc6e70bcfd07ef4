#include "runtime/process_launcher.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

#include "runtime/confined_spawn.h"
#include "runtime/process_guard.h"

extern char** environ;

namespace fastgpu {
namespace {

// A file descriptor closed when it goes out of scope.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// The posix_spawn file actions and attributes, destroyed with the object.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

std::string quoted(std::string_view s) {
  std::string q;
  q.reserve(s.size() + 2);
  q.append(1, '"').append(s).append(1, '"');
  return q;
}

bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

Status validate(const LaunchSpec& spec) {
  if (spec.argv.empty() || spec.argv[0].empty()) {
    return Status::invalid_argument("argv is empty: no program to run");
  }
  for (const std::string& arg : spec.argv) {
    if (has_nul(arg)) return Status::invalid_argument("argv element holds a NUL character");
  }
  for (const auto& [key, value] : spec.env) {
    if (key.empty() || key.find('=') != std::string::npos || has_nul(key) || has_nul(value)) {
      return Status::invalid_argument("bad environment variable name " + quoted(key));
    }
  }
  for (const std::string* s : {&spec.cwd, &spec.stdout_path, &spec.stderr_path, &spec.ld_preload,
                               &spec.exit_record_path}) {
    if (has_nul(*s)) return Status::invalid_argument("path holds a NUL character");
  }
  if (spec.guarded && !spec.exit_record_path.empty()) {
    return Status::invalid_argument("a launch has one guard: guarded or an exit record, not both");
  }
  if (!spec.exit_record_path.empty() && (spec.task_guard.empty() || has_nul(spec.task_guard))) {
    return Status::invalid_argument("an exit record needs the task guard's path");
  }
  for (const std::string& path : spec.cgroup_procs) {
    if (has_nul(path)) return Status::invalid_argument("cgroup path holds a NUL character");
  }
  return Status::ok();
}

// "KEY=VALUE" strings: the spec's variables, over the daemon's environment when asked.
class Environment {
 public:
  explicit Environment(bool inherit) {
    if (!inherit) return;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) entries_.emplace_back(*e);
  }

  void set(std::string_view key, std::string_view value) {
    std::string entry = std::string(key) + "=" + std::string(value);
    for (std::string& e : entries_) {
      if (e.starts_with(key) && e.size() > key.size() && e[key.size()] == '=') {
        e = std::move(entry);
        return;
      }
    }
    entries_.push_back(std::move(entry));
  }

  // The value of `key`, or "" when unset.
  std::string get(std::string_view key) const {
    for (const std::string& e : entries_) {
      if (e.starts_with(key) && e.size() > key.size() && e[key.size()] == '=') {
        return e.substr(key.size() + 1);
      }
    }
    return "";
  }

  std::vector<std::string>& entries() { return entries_; }

 private:
  std::vector<std::string> entries_;
};

Environment child_environment(const LaunchSpec& spec) {
  Environment env(spec.inherit_environment);
  for (const auto& [key, value] : spec.env) env.set(key, value);
  if (!spec.ld_preload.empty()) {
    const std::string existing = env.get("LD_PRELOAD");
    env.set("LD_PRELOAD", existing.empty() ? spec.ld_preload : spec.ld_preload + ":" + existing);
  }
  return env;
}

// NULL-terminated pointers into `strings`, for argv and envp.
std::vector<char*> c_array(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// `path` as seen from the child's working directory, for checks made by the parent.
std::string from_child_cwd(const std::string& cwd, const std::string& path) {
  if (cwd.empty() || path.starts_with('/')) return path;
  return cwd + "/" + path;
}

bool is_executable_file(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::string search_path(const std::string& path) {
  return path.empty() ? "/usr/local/bin:/usr/bin:/bin" : path;
}

// The paths argv[0] may be: itself when it holds a '/', else DIR/NAME for each absolute
// directory of PATH, in order (relative entries are skipped on purpose).
std::vector<std::string> candidate_programs(const std::string& name, const std::string& path) {
  if (name.find('/') != std::string::npos) return {name};
  std::vector<std::string> candidates;
  const std::string search = search_path(path);
  for (size_t start = 0; start <= search.size();) {
    const size_t colon = std::min(search.find(':', start), search.size());
    const std::string dir = search.substr(start, colon - start);
    start = colon + 1;
    if (dir.starts_with('/')) candidates.push_back(dir + "/" + name);
  }
  return candidates;
}

// Finds the program to exec: argv[0] itself when it holds a '/', else the first executable file
// of that name in the absolute directories of PATH (relative entries are skipped on purpose).
Status resolve_program(const std::string& name, const std::string& cwd, const std::string& path,
                       std::string* out) {
  if (name.find('/') != std::string::npos) {
    const std::string seen = from_child_cwd(cwd, name);
    if (::access(seen.c_str(), F_OK) != 0) {
      return Status::not_found("program " + quoted(name) + " not found");
    }
    if (!is_executable_file(seen)) {
      return Status::io_error("program " + quoted(name) + " is not an executable file");
    }
    *out = name;  // exec'd after the chdir, so relative to the child's cwd
    return Status::ok();
  }
  for (std::string& candidate : candidate_programs(name, path)) {
    if (is_executable_file(candidate)) {
      *out = std::move(candidate);
      return Status::ok();
    }
  }
  return Status::not_found("command not found: " + quoted(name) +
                           " (searched PATH=" + search_path(path) + ")");
}

Status check_cwd(const std::string& cwd) {
  if (cwd.empty()) return Status::ok();
  struct stat st;
  if (::stat(cwd.c_str(), &st) != 0) {
    return Status::not_found("working directory " + quoted(cwd) + ": " + std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) {
    return Status::not_found("working directory " + quoted(cwd) + " is not a directory");
  }
  return Status::ok();
}

// Opens the file a standard stream goes to: appended, created 0600, close-on-exec, and never
// one of the descriptors 0-2 (which the child's dup2 targets).
Status open_output(const std::string& path, const char* stream, UniqueFd* out) {
  const bool discard = path.empty();
  const int fd =
      discard ? ::open("/dev/null", O_WRONLY | O_CLOEXEC)
              : ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
  if (fd < 0) {
    return Status::io_error(std::string("cannot open ") + stream + " file " +
                            quoted(discard ? "/dev/null" : path) + ": " + std::strerror(errno));
  }
  if (fd <= 2) {  // the daemon runs with a standard stream closed
    const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    ::close(fd);
    if (moved < 0) return Status::io_error(std::string("cannot move the ") + stream + " file");
    *out = UniqueFd(moved);
    return Status::ok();
  }
  *out = UniqueFd(fd);
  return Status::ok();
}

// Opens the exit record file of a launch under a recording guard: emptied or created 0600,
// close-on-exec, above 2; no descriptor when `path` is empty.
Status open_exit_record(const std::string& path, UniqueFd* out) {
  if (path.empty()) return Status::ok();
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
  const int moved = fd < 0 || fd > 2 ? fd : ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (moved != fd) ::close(fd);
  if (moved < 0) {
    return Status::io_error("cannot open exit record file " + quoted(path) + ": " +
                            std::strerror(errno));
  }
  *out = UniqueFd(moved);
  return Status::ok();
}

// Where a standard stream goes: a copy (above 2, close-on-exec) of `fd` when it is >= 0, else
// the file at `path` (open_output).
Status output_for(int fd, const std::string& path, const char* stream, UniqueFd* out) {
  if (fd < 0) return open_output(path, stream, out);
  const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (copy < 0) {
    return Status::io_error(std::string("cannot use the ") + stream + " descriptor " +
                            std::to_string(fd) + ": " + std::strerror(errno));
  }
  *out = UniqueFd(copy);
  return Status::ok();
}

// Fills the file actions and attributes of the child: new session, default signals, nothing
// blocked, stdin /dev/null, stdout and stderr to the given files, cwd, no other descriptor.
Status prepare_spawn(const LaunchSpec& spec, int out_fd, int err_fd, SpawnSetup* setup) {
  sigset_t none;
  sigset_t all;
  sigemptyset(&none);
  sigfillset(&all);
  int rc = posix_spawnattr_setflags(
      &setup->attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  if (rc == 0) rc = posix_spawnattr_setsigmask(&setup->attr, &none);
  if (rc == 0) rc = posix_spawnattr_setsigdefault(&setup->attr, &all);
  if (rc == 0) rc = posix_spawn_file_actions_addopen(&setup->actions, 0, "/dev/null", O_RDONLY, 0);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(&setup->actions, out_fd, 1);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(&setup->actions, err_fd, 2);
  if (rc == 0 && !spec.cwd.empty()) {
    rc = posix_spawn_file_actions_addchdir_np(&setup->actions, spec.cwd.c_str());
  }
  if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&setup->actions, 3);
  if (rc != 0) return Status::io_error(std::string("posix_spawn setup: ") + std::strerror(rc));
  return Status::ok();
}

// Opens the cgroup.procs files a confined child writes itself into.
Status open_cgroup_procs(const std::vector<std::string>& paths, std::vector<UniqueFd>* fds,
                         std::vector<int>* raw) {
  for (const std::string& path : paths) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0)
      return Status::io_error("cannot open " + quoted(path) + ": " + std::strerror(errno));
    fds->emplace_back(fd);
    raw->push_back(fd);
  }
  return Status::ok();
}

// Kills and reaps a child that must not run on (its identity could not be read).
void discard_child(pid_t pid) {
  ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

Status launch_process(const LaunchSpec& spec, LaunchedProcess* out) {
  if (Status s = validate(spec); !s.is_ok()) return s;
  Environment env = child_environment(spec);
  // A command run as another identity is looked up by the child, as that identity: checks made
  // here as the launcher (root) would tell a tenant which paths exist where it may not look.
  std::vector<std::string> programs;
  Status s = Status::ok();
  if (spec.run_as) {
    programs = candidate_programs(spec.argv[0], env.get("PATH"));
    if (programs.empty()) {
      return Status::not_found("command not found: " + quoted(spec.argv[0]) +
                               " (PATH has no absolute directory)");
    }
  } else {
    programs.emplace_back();
    s = check_cwd(spec.cwd);
    if (s.is_ok()) s = resolve_program(spec.argv[0], spec.cwd, env.get("PATH"), &programs[0]);
  }
  UniqueFd out_fd;
  UniqueFd err_fd;
  if (s.is_ok()) s = output_for(spec.stdout_fd, spec.stdout_path, "stdout", &out_fd);
  if (s.is_ok()) s = output_for(spec.stderr_fd, spec.stderr_path, "stderr", &err_fd);
  UniqueFd record_fd;
  if (s.is_ok()) s = open_exit_record(spec.exit_record_path, &record_fd);
  const bool under_guard = spec.guarded || record_fd.get() >= 0;
  SpawnSetup setup;  // posix_spawn's, for a launch neither guarded nor confined
  if (s.is_ok() && !under_guard && !spec.confined()) {
    s = prepare_spawn(spec, out_fd.get(), err_fd.get(), &setup);
  }
  std::vector<UniqueFd> cgroup_fds;
  std::vector<int> cgroup_raw;
  if (s.is_ok()) s = open_cgroup_procs(spec.cgroup_procs, &cgroup_fds, &cgroup_raw);
  if (!s.is_ok()) return s;

  std::vector<std::string> args = spec.argv;
  std::vector<char*> argv = c_array(args);
  std::vector<char*> envp = c_array(env.entries());
  std::vector<char*> program_list = c_array(programs);
  std::vector<BindMount> binds;
  for (const auto& [source, target] : spec.binds) binds.push_back({source.c_str(), target.c_str()});
  const ChildConfinement confinement{cgroup_raw.data(), cgroup_raw.size(), spec.run_as,
                                     binds.data(), binds.size()};
  const char* cwd = spec.cwd.empty() ? nullptr : spec.cwd.c_str();
  pid_t pid = 0;
  if (under_guard) {
    const GuardedCommand command{program_list.data(),
                                 argv.data(),
                                 envp.data(),
                                 cwd,
                                 out_fd.get(),
                                 err_fd.get(),
                                 spec.confined() ? &confinement : nullptr,
                                 record_fd.get()};
    int guard_error = 0;
    int command_error = 0;
    pid = spec.guarded ? fork_guarded(command)
                       : spawn_recording_guard(command, spec.task_guard.c_str(), &guard_error,
                                               &command_error);
    if (pid < 0 && (spec.guarded || command_error != 0)) {
      return Status::io_error("cannot start " + quoted(spec.argv[0]) + ": " +
                              std::strerror(spec.guarded ? errno : command_error));
    }
    if (pid < 0) {
      return Status::io_error("cannot start the task guard " + quoted(spec.task_guard) + ": " +
                              std::strerror(guard_error));
    }
  } else if (spec.confined()) {
    const SpawnRequest request{program_list.data(), argv.data(),  envp.data(), cwd,
                               out_fd.get(),        err_fd.get(), confinement};
    int error = 0;
    pid = spawn_confined(request, &error);
    if (pid < 0) {
      return Status::io_error("cannot start " + quoted(spec.argv[0]) + ": " + std::strerror(error));
    }
  } else if (int rc = ::posix_spawn(&pid, programs.front().c_str(), &setup.actions, &setup.attr,
                                    argv.data(), envp.data());
             rc != 0) {
    // glibc's posix_spawn reports a failure of any step in the child (chdir, exec) as its result.
    return Status::io_error("cannot start " + quoted(spec.argv[0]) + ": " + std::strerror(rc));
  }
  uint64_t start_time = 0;
  if (Status st = read_process_start_time(pid, &start_time); !st.is_ok()) {
    discard_child(pid);
    return Status::io_error("started " + quoted(spec.argv[0]) +
                            " but cannot read its identity: " + st.message());
  }
  out->identity = {pid, start_time};
  out->started_at = std::chrono::system_clock::now();
  return Status::ok();
}

}  // namespace fastgpu
