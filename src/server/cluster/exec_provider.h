#pragma once
// The `exec` node provider: user scripts start and stop nodes on any cloud.

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "server/cluster/node_provider.h"

namespace fastgpu {

/// Runs `DIR/scale-up TYPE COUNT` and `DIR/scale-down NODE`. scale-up gets the names the nodes
/// must join under in $FASTGPU_NODE_NAMES (space-separated) and this daemon's URL in
/// $FASTGPU_SERVER; the nodes then join as agents by themselves. When DIR/interruptions exists
/// and is executable, each poll() runs it with the live nodes' names in $FASTGPU_NODE_NAMES: each
/// line it prints, `NODE [REASON]`, says the market takes NODE back (a spot reclaim notice); a
/// name that is not a live node of this provider is ignored, and each node is reported once. A
/// script that runs past the timeout has its process group killed; what a script that ends by
/// itself leaves running (an agent started in the background) keeps running. The detail holds the
/// exit status and the tail of the script's output.
class ExecProvider : public NodeProvider {
 public:
  struct Config {
    std::string dir;         // holds scale-up and scale-down
    std::string server_url;  // this daemon
    std::string log_dir;     // where the scripts' output goes (one file per run, overwritten)
    std::chrono::milliseconds timeout{120'000};
  };

  explicit ExecProvider(Config config) : config_(std::move(config)) {}

  /// Not OK when the script cannot start, exits non-zero or times out.
  Status scale_up(const NodeType& type, const std::vector<std::string>& names,
                  std::string* detail) override;
  Status scale_down(const std::string& name, std::string* detail) override;
  std::vector<ProviderNote> poll() override;

 private:
  static constexpr const char* kInterruptionsScript = "interruptions";

  // Runs one script; *detail gets its exit status and the tail of its output. With `output`,
  // its stdout is returned there whole and only its stderr's tail goes into the detail.
  Status run_script(std::vector<std::string> argv,
                    std::vector<std::pair<std::string, std::string>> env, std::string* detail,
                    std::string* output = nullptr);

  const Config config_;
  std::set<std::string> live_;  // nodes asked for and not given back nor reported reclaimed
};

/// kInvalidArgument naming what is missing unless `dir` holds executable scale-up and
/// scale-down files.
Status check_exec_provider_dir(const std::string& dir);

}  // namespace fastgpu
