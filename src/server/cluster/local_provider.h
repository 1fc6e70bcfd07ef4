#pragma once
// The `local` node provider: each node is a fastgpu-agent process on this machine with
// simulated GPUs, for demos and tests.

#include <chrono>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/rng.h"
#include "runtime/process_supervisor.h"
#include "server/cluster/node_provider.h"

namespace fastgpu {

/// Starts one fastgpu-agent per node (`--simulate-gpus COUNTxMODEL` of the node type) and stops
/// it by its PID: SIGTERM to its process group at scale_down, SIGKILL at the first poll() after
/// `grace`; poll() reports each agent's end, and the simulated reclaims of spot nodes. Agents
/// left running when the provider is destroyed are stopped the same way, waiting for them.
class LocalProvider : public NodeProvider {
 public:
  struct Config {
    std::string agent_binary;     // path of fastgpu-agent
    std::string server_url;       // this daemon, e.g. http://127.0.0.1:7070
    std::string join_token_file;  // passed on to the agents; empty: none
    std::string ca_file;          // passed on as --ca-file (an https:// daemon); empty: none
    std::string work_root;        // each agent gets work_root/NAME and logs to work_root/NAME.log
    std::chrono::milliseconds grace{3000};
    // Simulated reclaims: each spot node is taken back at this rate per node-hour (a Poisson
    // process, checked at each poll), reported once as an interrupted note. 0: never.
    double spot_interruptions_per_hour = 0;
    uint64_t seed = 1;  // of the reclaims' random draws
  };

  explicit LocalProvider(Config config);
  ~LocalProvider() override;

  /// kInvalidArgument for a type without GPUs; the launch error of the first agent that cannot
  /// start (the ones before it keep running).
  Status scale_up(const NodeType& type, const std::vector<std::string>& names,
                  std::string* detail) override;
  /// kNotFound when no agent of that name runs. Does not wait for the agent to end.
  Status scale_down(const std::string& name, std::string* detail) override;
  std::vector<ProviderNote> poll() override;
  pid_t pid_of(const std::string& name) const override;

 private:
  const Config config_;
  ProcessSupervisor supervisor_;
  std::unordered_map<std::string, pid_t> pid_of_;    // running agents by node name
  std::unordered_map<pid_t, std::string> stopping_;  // agents told to stop, not yet ended
  std::set<std::string> spot_;                       // running spot nodes not yet reclaimed
  Rng rng_;
  std::chrono::steady_clock::time_point last_poll_ = std::chrono::steady_clock::now();

  void draw_interruptions(std::vector<ProviderNote>* notes);
};

/// The simulated-GPU spec of one node of `type`, e.g. "4xA100-80GB".
std::string simulated_gpus_of(const NodeType& type);

}  // namespace fastgpu
