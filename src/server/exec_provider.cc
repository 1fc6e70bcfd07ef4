#include "server/exec_provider.h"

#include <unistd.h>

#include <fstream>
#include <iterator>
#include <thread>

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
  std::string joined;
  for (const std::string& name : names) joined += (joined.empty() ? "" : " ") + name;
  return run_script({config_.dir + "/scale-up", type.name, std::to_string(names.size())},
                    {{"FASTGPU_NODE_NAMES", joined}, {"FASTGPU_SERVER", config_.server_url}},
                    detail);
}

Status ExecProvider::scale_down(const std::string& name, std::string* detail) {
  return run_script({config_.dir + "/scale-down", name}, {{"FASTGPU_SERVER", config_.server_url}},
                    detail);
}

Status ExecProvider::run_script(std::vector<std::string> argv,
                                std::vector<std::pair<std::string, std::string>> env,
                                std::string* detail) {
  const std::string script = argv.front();
  LaunchSpec spec;
  spec.argv = std::move(argv);
  spec.env = std::move(env);
  spec.stdout_path = spec.stderr_path =
      config_.log_dir + "/" + script.substr(script.rfind('/') + 1) + ".log";
  std::ofstream(spec.stdout_path, std::ios::trunc).flush();
  ProcessSupervisor supervisor;
  LaunchedProcess launched;
  if (Status s = supervisor.launch(spec, &launched); !s.is_ok()) return s;
  const auto deadline = std::chrono::steady_clock::now() + config_.timeout;
  bool timed_out = false;
  for (;;) {
    std::vector<ProcessExit> exits = supervisor.poll_exits();
    if (!exits.empty()) {
      *detail = describe_exit(exits.front()) + (timed_out ? " (timed out)" : "");
      const std::string tail = output_tail(spec.stdout_path);
      if (!tail.empty()) *detail += "; output: " + tail;
      const bool ok = !timed_out && exits.front().exit_code == 0;
      return ok ? Status::ok() : Status::io_error(script + " " + *detail);
    }
    if (!timed_out && std::chrono::steady_clock::now() >= deadline) {
      timed_out = true;
      (void)supervisor.terminate(launched.identity.pid, std::chrono::milliseconds(0));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace fastgpu
