#include "agent_process.h"

#include <algorithm>
#include <csignal>
#include <filesystem>

#include "daemon_process.h"

namespace fastgpu::testing {

std::string fastgpu_agent_path() { return FASTGPU_AGENT_BIN; }

int ready_agent_nodes(const DaemonProcess& daemon) {
  const Answer nodes = daemon.get("/v1/nodes");
  int ready = 0;
  for (const auto& node : nodes.json["nodes"]) {
    if (!node["host"].is_null() && node["ready"].get<bool>()) ++ready;
  }
  return ready;
}

AgentProcess::AgentProcess(int port, const std::string& name, const std::string& work_dir,
                           std::vector<std::string> flags) {
  std::filesystem::create_directories(work_dir);
  std::vector<std::string> args = {fastgpu_agent_path(), "--name", name, "--work-dir", work_dir};
  if (std::find(flags.begin(), flags.end(), "--server") == flags.end()) {
    args.insert(args.end(), {"--server", "http://127.0.0.1:" + std::to_string(port)});
  }
  args.insert(args.end(), flags.begin(), flags.end());
  pid_ = spawn_program(std::move(args), work_dir + "/agent.log");
}

AgentProcess::~AgentProcess() { signal_and_reap(&pid_, SIGTERM); }

void AgentProcess::kill_hard() { signal_and_reap(&pid_, SIGKILL); }

}  // namespace fastgpu::testing
