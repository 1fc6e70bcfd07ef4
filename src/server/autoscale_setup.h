#pragma once
// Turning fastgpud's autoscaler flags into a catalog with limits and a node provider.

#include <memory>
#include <string>

#include "server/cluster/autoscale_loop.h"
#include "server/cluster/node_provider.h"
#include "server/daemon_options.h"

namespace fastgpu {

/// Reads the catalog of --autoscale and applies the flags' overrides of its [pool] limits.
/// kInvalidArgument (naming the flag or the catalog's field) when the result is unusable.
Status load_autoscale_config(const DaemonOptions& options, AutoscaleLoop::Config* out);

/// The provider of --provider for a daemon serving at `server_url` with state in `data_dir`
/// (the local provider's agents and the exec provider's script logs go under
/// DATA_DIR/autoscale). kNotFound when fastgpu-agent is not beside this binary (local);
/// kInvalidArgument when the exec directory lacks its scripts.
Status make_node_provider(const DaemonOptions& options, const std::string& server_url,
                          const std::string& data_dir, std::unique_ptr<NodeProvider>* out);

/// The URL agents on this machine reach a daemon listening on `host`:`port` at (a wildcard
/// address becomes loopback; https:// when it serves `tls`).
std::string local_server_url(const std::string& host, int port, bool tls);

}  // namespace fastgpu
