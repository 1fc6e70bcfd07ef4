#include "server/cluster/exec_provider.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include "runtime/process_launcher.h"
#include "runtime/process_supervisor.h"

namespace fastgpu {
namespace {

constexpr size_t kOutputTail = 2000;

// The last kOutputTail bytes of the file at `path`, trailing newlines removed.
std::string output_tail(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > kOutputTail) text = text.substr(text.size() - kOutputTail);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

// Waits for the script `pid` (which leads its own process group) to end and returns its wait
// status. Past `timeout` its whole group is killed and *timed_out set. Processes a script leaves
// behind when it ends by itself are not touched: starting a node may mean leaving one running.
int wait_for_script(pid_t pid, std::chrono::milliseconds timeout, bool* timed_out) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t reaped = ::waitpid(pid, &status, WNOHANG);
    if (reaped == pid) return status;
    if (reaped < 0 && errno != EINTR) return status;
    if (!*timed_out && std::chrono::steady_clock::now() >= deadline) {
      *timed_out = true;
      ::kill(-pid, SIGKILL);  // the unreaped leader keeps the group id ours
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// `names` separated by single spaces.
std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : " ") + name;
  return out;
}

}  // namespace

Status check_exec_provider_dir(const std::string& dir) {
  for (const char* script : {"scale-up", "scale-down"}) {
    const std::string path = dir + "/" + script;
    if (::access(path.c_str(), X_OK) != 0) {
      return Status::invalid_argument("--provider-exec-dir: " + path +
                                      " is missing or not executable");
    }
  }
  return Status::ok();
}

Status ExecProvider::scale_up(const NodeType& type, const std::vector<std::string>& names,
                              std::string* detail) {
  for (const std::string& name : names) live_.insert(name);  // nodes that start anyway count
  return run_script({config_.dir + "/scale-up", type.name, std::to_string(names.size())},
                    {{"FASTGPU_NODE_NAMES", joined(names)}, {"FASTGPU_SERVER", config_.server_url}},
                    detail);
}

Status ExecProvider::scale_down(const std::string& name, std::string* detail) {
  live_.erase(name);
  return run_script({config_.dir + "/scale-down", name}, {{"FASTGPU_SERVER", config_.server_url}},
                    detail);
}

std::vector<ProviderNote> ExecProvider::poll() {
  const std::string script = config_.dir + "/" + kInterruptionsScript;
  if (live_.empty() || ::access(script.c_str(), X_OK) != 0) return {};
  std::string detail;
  std::string printed;  // its stdout only: what it says on stderr names no node
  std::vector<ProviderNote> notes;
  const std::vector<std::string> names(live_.begin(), live_.end());
  if (Status s = run_script(
          {script}, {{"FASTGPU_NODE_NAMES", joined(names)}, {"FASTGPU_SERVER", config_.server_url}},
          &detail, &printed);
      !s.is_ok()) {
    std::fprintf(stderr, "fastgpud: %s\n", s.message().c_str());  // the next period tries again
    return {};
  }
  std::istringstream output(printed);
  for (std::string line; std::getline(output, line);) {
    const size_t space = line.find(' ');
    const std::string name = line.substr(0, space);
    if (live_.erase(name) == 0) continue;  // not a live node of ours, or reported already
    const std::string why = space == std::string::npos ? "" : line.substr(space + 1);
    notes.push_back({name, "reclaimed, says " + script + (why.empty() ? "" : ": " + why), true});
  }
  return notes;
}

Status ExecProvider::run_script(std::vector<std::string> argv,
                                std::vector<std::pair<std::string, std::string>> env,
                                std::string* detail, std::string* output) {
  const std::string script = argv.front();
  LaunchSpec spec;
  spec.argv = std::move(argv);
  spec.env = std::move(env);
  spec.inherit_environment = true;  // the operator's scripts may need its cloud credentials
  const std::string log = config_.log_dir + "/" + script.substr(script.rfind('/') + 1);
  spec.stdout_path = log + ".log";
  spec.stderr_path = output != nullptr ? log + ".err.log" : spec.stdout_path;
  for (const std::string* path : {&spec.stdout_path, &spec.stderr_path}) {
    std::ofstream(*path, std::ios::trunc).flush();
  }
  LaunchedProcess launched;
  if (Status s = launch_process(spec, &launched); !s.is_ok()) return s;
  bool timed_out = false;
  const int status = wait_for_script(launched.identity.pid, config_.timeout, &timed_out);
  ProcessExit exit;
  exit.status_known = true;
  if (WIFEXITED(status)) exit.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) exit.signal = WTERMSIG(status);
  *detail = describe_exit(exit) + (timed_out ? " (timed out)" : "");
  const std::string tail = output_tail(spec.stderr_path);
  if (!tail.empty()) *detail += "; output: " + tail;
  if (output != nullptr) {
    std::ifstream in(spec.stdout_path, std::ios::binary);
    output->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const bool ok = !timed_out && exit.exit_code == 0;
  return ok ? Status::ok() : Status::io_error(script + " " + *detail);
}

}  // namespace fastgpu
