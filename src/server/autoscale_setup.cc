#include "server/autoscale_setup.h"

#include <unistd.h>

#include <filesystem>

#include "server/cluster/exec_provider.h"
#include "server/cluster/local_provider.h"

namespace fastgpu {

Status load_autoscale_config(const DaemonOptions& o, AutoscaleLoop::Config* out) {
  if (Status s = read_node_catalog(o.autoscale, &out->catalog); !s.is_ok()) {
    return Status::invalid_argument("--autoscale: " + s.message());
  }
  PoolLimits& limits = out->limits;
  limits = out->catalog.limits;
  if (o.cooldown_s) limits.cooldown_seconds = *o.cooldown_s;
  if (o.min_nodes) limits.min_nodes = *o.min_nodes;
  if (o.max_nodes) limits.max_nodes = *o.max_nodes;
  if (o.budget) limits.budget_per_hour = static_cast<MicroDollars>(*o.budget * kMicroPerDollar);
  if (limits.min_nodes > limits.max_nodes) {
    return Status::invalid_argument("min nodes " + std::to_string(limits.min_nodes) +
                                    " exceed max nodes " + std::to_string(limits.max_nodes) +
                                    " (catalog " + o.autoscale + " and flags together)");
  }
  out->period = std::chrono::milliseconds(static_cast<int64_t>(o.autoscale_period_s * 1000));
  out->pack_policy = o.policy;
  return Status::ok();
}

std::string local_server_url(const std::string& host, int port, bool tls) {
  std::string reachable = host;
  if (host.empty() || host == "0.0.0.0") reachable = "127.0.0.1";
  if (host == "::") reachable = "::1";
  if (reachable.find(':') != std::string::npos) reachable = "[" + reachable + "]";
  return (tls ? "https://" : "http://") + reachable + ":" + std::to_string(port);
}

namespace {

// <directory of this binary>/fastgpu-agent.
Status find_agent_binary(std::string* out) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return Status::io_error("cannot read /proc/self/exe: " + ec.message());
  *out = (self.parent_path() / "fastgpu-agent").string();
  if (::access(out->c_str(), X_OK) != 0) {
    return Status::not_found("--provider local needs fastgpu-agent beside fastgpud: " + *out +
                             " is missing");
  }
  return Status::ok();
}

}  // namespace

Status make_node_provider(const DaemonOptions& o, const std::string& server_url,
                          const std::string& data_dir, std::unique_ptr<NodeProvider>* out) {
  const std::string work_root = data_dir + "/autoscale";
  std::error_code ec;
  std::filesystem::create_directories(work_root, ec);
  if (ec) return Status::io_error("cannot create " + work_root + ": " + ec.message());
  if (o.provider == "exec") {
    if (Status s = check_exec_provider_dir(o.provider_exec_dir); !s.is_ok()) return s;
    *out = std::make_unique<ExecProvider>(ExecProvider::Config{
        std::filesystem::absolute(o.provider_exec_dir).string(), server_url, work_root});
    return Status::ok();
  }
  LocalProvider::Config config;
  if (Status s = find_agent_binary(&config.agent_binary); !s.is_ok()) return s;
  config.server_url = server_url;
  if (!o.tls_cert.empty()) {  // the agents on this host trust this daemon's own certificate
    config.ca_file = std::filesystem::absolute(o.tls_cert).string();
  }
  if (!o.join_token_file.empty()) {
    config.join_token_file = std::filesystem::absolute(o.join_token_file).string();
  }
  config.work_root = work_root;
  config.spot_interruptions_per_hour = o.spot_interruption_rate;
  *out = std::make_unique<LocalProvider>(std::move(config));
  return Status::ok();
}

}  // namespace fastgpu
