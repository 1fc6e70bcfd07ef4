#pragma once
// Where the live autoscaler gets nodes from and gives them back to.

#include <sys/types.h>

#include <string>
#include <vector>

#include "autoscale/node_catalog.h"
#include "core/status.h"

namespace fastgpu {

/// Something a provider learned about one of its nodes after the call that concerned it: that
/// its process ended, or (interrupted) that the market takes it back, as spot nodes are.
struct ProviderNote {
  std::string node;
  std::string detail;
  bool interrupted = false;  // the node is being reclaimed: drain it and give it back
};

/// Starts and stops nodes that join fastgpud as agents. Called from the autoscale loop only.
class NodeProvider {
 public:
  virtual ~NodeProvider() = default;

  /// Asks for one node of `type` per name in `names`; each is to join as an agent of that name.
  /// *detail receives what the provider has to say (output, exit status) for the scale log.
  /// Not OK when the request failed; nodes that did start anyway join and are counted.
  virtual Status scale_up(const NodeType& type, const std::vector<std::string>& names,
                          std::string* detail) = 0;
  /// Gives node `name` back: from now on it is not billed and its agent stops (possibly after
  /// this returns). *detail as for scale_up.
  virtual Status scale_down(const std::string& name, std::string* detail) = 0;
  /// Called once per period: finishes what is under way and says what ended or is being
  /// reclaimed (each reclaim once). Default: nothing.
  virtual std::vector<ProviderNote> poll() { return {}; }
  /// PID of the process serving node `name` on this machine; 0 when there is none to name.
  virtual pid_t pid_of(const std::string& /*name*/) const { return 0; }
};

}  // namespace fastgpu
