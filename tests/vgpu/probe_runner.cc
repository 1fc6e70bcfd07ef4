#include "probe_runner.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <utility>

#include "vgpu/monotonic_clock.h"
#include "vgpu/shared_region.h"
#include "vgpu/vgpu_ledger.h"

extern char** environ;

namespace fastgpu::vgpu::testing {

ProbeProcess::ProbeProcess(const ProbeSetup& setup, const std::vector<std::string>& args,
                           const std::vector<std::string>& env) {
  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text = *entry;
    // The caller's slice settings must not leak into the probes; its wish for the controller's
    // figures (FASTGPU_VGPU_STATS) may.
    const bool slice_setting =
        text.rfind("FASTGPU_", 0) == 0 && text.rfind("FASTGPU_VGPU_STATS=", 0) != 0;
    if (!slice_setting && text.rfind("LD_PRELOAD=", 0) != 0 &&
        text.rfind("CUDA_VISIBLE_DEVICES=", 0) != 0) {
      environment.push_back(text);
    }
  }
  environment.push_back("LD_PRELOAD=" + setup.shim_library);
  environment.push_back("FASTGPU_VGPU_DRIVER=" + setup.mock_driver);
  environment.push_back("FASTGPU_VGPU_NVML=" + setup.mock_driver);
  environment.push_back("MOCK_CUDA_DEVICE=" + setup.mock_device);
  environment.push_back("FASTGPU_MOCK_SWITCH_US=" + std::to_string(setup.mock_switch_us));
  environment.push_back("CUDA_VISIBLE_DEVICES=" + setup.mock_device);  // its own burst board
  environment.push_back("ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0");
  environment.insert(environment.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (std::string& text : environment) envp.push_back(text.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_text{setup.probe};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& text : argv_text) argv.push_back(text.data());
  argv.push_back(nullptr);

  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) std::abort();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[1]);
  if (posix_spawn(&pid_, setup.probe.c_str(), &actions, nullptr, argv.data(), envp.data()) != 0) {
    pid_ = -1;
  }
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  stdout_fd_ = pipe_fds[0];
}

ProbeProcess::~ProbeProcess() {
  if (pid_ > 0) kill_hard();
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

std::string ProbeProcess::read_line() {
  for (;;) {
    const auto newline = buffered_.find('\n');
    if (newline != std::string::npos) {
      std::string line = buffered_.substr(0, newline);
      buffered_.erase(0, newline + 1);
      return line;
    }
    char chunk[4096];
    const ssize_t got = read(stdout_fd_, chunk, sizeof chunk);
    if (got <= 0) return std::exchange(buffered_, "");
    buffered_.append(chunk, static_cast<size_t>(got));
  }
}

int ProbeProcess::wait_output(std::string* output) {
  *output = std::exchange(buffered_, "");
  char chunk[4096];
  for (ssize_t got; (got = read(stdout_fd_, chunk, sizeof chunk)) > 0;) {
    output->append(chunk, static_cast<size_t>(got));
  }
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

void ProbeProcess::kill_hard() {
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::map<std::string, std::string> parse_values(const std::string& output) {
  std::map<std::string, std::string> values;
  std::istringstream words(output);
  for (std::string word; words >> word;) {
    const auto equals = word.find('=');
    if (equals != std::string::npos) values[word.substr(0, equals)] = word.substr(equals + 1);
  }
  return values;
}

int64_t value_of(const std::map<std::string, std::string>& values, const std::string& key) {
  auto found = values.find(key);
  return found == values.end() ? -1 : std::strtoll(found->second.c_str(), nullptr, 10);
}

int64_t now_ns() { return monotonic_now_ns(); }

std::vector<LoadShare> run_loads(const ProbeSetup& setup, const std::vector<LoadRequest>& loads,
                                 int kernel_us, double warmup_s, double window_s) {
  const int64_t from = now_ns() + static_cast<int64_t>(warmup_s * 1e9);
  const int64_t to = from + static_cast<int64_t>(window_s * 1e9);
  std::vector<std::unique_ptr<ProbeProcess>> probes;
  for (const LoadRequest& load : loads) {
    std::vector<std::string> env{"FASTGPU_VGPU_ID=" + load.vgpu_id,
                                 "FASTGPU_VGPU_BURST=" + std::string(load.burst ? "1" : "0")};
    if (load.share_milli < 1000) {
      env.push_back("FASTGPU_VGPU_COMPUTE_SHARE=" + std::to_string(load.share_milli));
    }
    probes.push_back(std::make_unique<ProbeProcess>(
        setup,
        std::vector<std::string>{"load", std::to_string(kernel_us), std::to_string(from),
                                 std::to_string(to), load.launcher},
        env));
  }
  const auto percent = [&](int64_t ns) {
    return 100.0 * static_cast<double>(ns) / static_cast<double>(to - from);
  };
  std::vector<LoadShare> shares;
  for (auto& probe : probes) {
    std::string output;
    probe->wait_output(&output);
    const auto values = parse_values(output);
    shares.push_back(
        {percent(value_of(values, "busy_ns")), percent(value_of(values, "cpu_wait_ns"))});
  }
  return shares;
}

AttachReport attach_many(const ProbeSetup& setup, const std::string& vgpu_id, int count) {
  const std::vector<std::string> env{"FASTGPU_VGPU_ID=" + vgpu_id,
                                     "FASTGPU_VGPU_MEMORY_LIMIT=1000000000",
                                     "FASTGPU_VGPU_COMPUTE_SHARE=500"};
  const int64_t first_spawn = now_ns();
  std::vector<std::unique_ptr<ProbeProcess>> probes;
  for (int i = 0; i < count; ++i) {
    probes.push_back(
        std::make_unique<ProbeProcess>(setup, std::vector<std::string>{"attach"}, env));
  }
  AttachReport report;
  int64_t last_ready = first_spawn;
  for (auto& probe : probes) {
    std::string output;
    if (probe->wait_output(&output) != 0) continue;
    const auto values = parse_values(output);
    const int64_t started = value_of(values, "started");
    const int64_t ready = value_of(values, "ready");
    if (value_of(values, "result") != 0 || started <= 0 || ready < started) continue;
    ++report.succeeded;
    report.slowest_init_ns = std::max(report.slowest_init_ns, ready - started);
    last_ready = std::max(last_ready, ready);
  }
  report.all_ready_ns = last_ready - first_spawn;
  return report;
}

void remove_shared_memory(const ProbeSetup& setup, const std::vector<std::string>& vgpu_ids) {
  SharedRegion::remove(region_name("fastgpu-mock-", setup.mock_device));
  SharedRegion::remove(region_name("fastgpu-gpu-", setup.mock_device));
  for (const std::string& id : vgpu_ids) VgpuLedger::remove(id);
}

}  // namespace fastgpu::vgpu::testing
