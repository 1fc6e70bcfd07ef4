#pragma once
// A real fastgpu-agent process for tests, joined to a DaemonProcess on loopback.

#include <sys/types.h>

#include <string>
#include <vector>

namespace fastgpu::testing {

/// fastgpu-agent named `name` serving fastgpud on 127.0.0.1:`port` (unless `flags` hold
/// --server), task logs in `work_dir` (its own stderr in work_dir/agent.log), with extra flags. The
/// destructor stops it (SIGTERM), which kills its tasks.
class AgentProcess {
 public:
  AgentProcess(int port, const std::string& name, const std::string& work_dir,
               std::vector<std::string> flags = {});
  ~AgentProcess();
  AgentProcess(const AgentProcess&) = delete;
  AgentProcess& operator=(const AgentProcess&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  /// Sends SIGKILL and reaps the process: its tasks are left behind, as after a crash.
  void kill_hard();

 private:
  pid_t pid_ = 0;
};

class DaemonProcess;

/// Number of agents' nodes that `daemon`'s /v1/nodes shows ready.
int ready_agent_nodes(const DaemonProcess& daemon);

/// Path of the fastgpu-agent binary under test.
std::string fastgpu_agent_path();

}  // namespace fastgpu::testing
