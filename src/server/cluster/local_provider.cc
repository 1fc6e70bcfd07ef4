#include "server/cluster/local_provider.h"

#include <cmath>
#include <thread>

#include "core/gpu_model.h"

namespace fastgpu {

std::string simulated_gpus_of(const NodeType& type) {
  return std::to_string(type.gpu_count) + "x" + std::string(gpu_model_spec(type.gpu_model).name);
}

LocalProvider::LocalProvider(Config config) : config_(std::move(config)), rng_(config_.seed) {}

LocalProvider::~LocalProvider() {
  std::vector<std::string> names;
  for (const auto& [name, pid] : pid_of_) names.push_back(name);
  std::string unused;
  for (const std::string& name : names) (void)scale_down(name, &unused);
  const auto deadline = std::chrono::steady_clock::now() + config_.grace + std::chrono::seconds(1);
  while (!stopping_.empty() && std::chrono::steady_clock::now() < deadline) {
    (void)poll();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Status LocalProvider::scale_up(const NodeType& type, const std::vector<std::string>& names,
                               std::string* detail) {
  if (type.gpu_count <= 0) {
    return Status::invalid_argument("the local provider starts GPU nodes only; type " + type.name +
                                    " has none");
  }
  detail->clear();
  for (const std::string& name : names) {
    LaunchSpec spec;
    spec.argv = {config_.agent_binary,
                 "--server",
                 config_.server_url,
                 "--name",
                 name,
                 "--simulate-gpus",
                 simulated_gpus_of(type),
                 "--work-dir",
                 config_.work_root + "/" + name};
    if (!config_.ca_file.empty()) {
      spec.argv.insert(spec.argv.end(), {"--ca-file", config_.ca_file});
    }
    if (!config_.join_token_file.empty()) {
      spec.argv.insert(spec.argv.end(), {"--join-token-file", config_.join_token_file});
    }
    spec.inherit_environment = true;  // fastgpud's own agent, as trusted as the daemon
    spec.stdout_path = spec.stderr_path = config_.work_root + "/" + name + ".log";
    LaunchedProcess launched;
    if (Status s = supervisor_.launch(spec, &launched); !s.is_ok()) return s;
    pid_of_[name] = launched.identity.pid;
    if (type.market == Market::kSpot) spot_.insert(name);
    detail->append((detail->empty() ? "" : ", ") + name + " pid " +
                   std::to_string(launched.identity.pid));
  }
  return Status::ok();
}

Status LocalProvider::scale_down(const std::string& name, std::string* detail) {
  auto it = pid_of_.find(name);
  if (it == pid_of_.end()) return Status::not_found("no local agent named " + name + " runs");
  const pid_t pid = it->second;
  pid_of_.erase(it);
  spot_.erase(name);
  if (Status s = supervisor_.terminate(pid, config_.grace); !s.is_ok()) return s;
  stopping_[pid] = name;
  *detail = "SIGTERM to agent pid " + std::to_string(pid);
  return Status::ok();
}

std::vector<ProviderNote> LocalProvider::poll() {
  std::vector<ProviderNote> notes;
  for (const ProcessExit& exit : supervisor_.poll_exits()) {
    const pid_t pid = exit.identity.pid;
    std::string name;
    if (auto it = stopping_.find(pid); it != stopping_.end()) {
      name = it->second;
      stopping_.erase(it);
    }
    for (auto it = pid_of_.begin(); it != pid_of_.end();) {  // an agent that ended by itself
      if (it->second != pid) {
        ++it;
        continue;
      }
      name = it->first;
      spot_.erase(name);
      it = pid_of_.erase(it);
    }
    notes.push_back({name, "agent pid " + std::to_string(pid) + " " + describe_exit(exit)});
  }
  draw_interruptions(&notes);
  return notes;
}

void LocalProvider::draw_interruptions(std::vector<ProviderNote>* notes) {
  const auto now = std::chrono::steady_clock::now();
  const double hours = std::chrono::duration<double>(now - last_poll_).count() / 3600.0;
  last_poll_ = now;
  if (config_.spot_interruptions_per_hour <= 0) return;
  // Reclaims come as a Poisson process: the chance of one in `hours` is 1 - e^(-rate * hours).
  const double chance = 1.0 - std::exp(-config_.spot_interruptions_per_hour * hours);
  for (auto it = spot_.begin(); it != spot_.end();) {
    const double draw = static_cast<double>(rng_.next() >> 11) * 0x1p-53;  // uniform in [0, 1)
    if (draw >= chance) {
      ++it;
      continue;
    }
    notes->push_back({*it,
                      "simulated spot reclaim (--spot-interruption-rate " +
                          std::to_string(config_.spot_interruptions_per_hour) + " per node-hour)",
                      true});
    it = spot_.erase(it);
  }
}

pid_t LocalProvider::pid_of(const std::string& name) const {
  auto it = pid_of_.find(name);
  return it == pid_of_.end() ? 0 : it->second;
}

}  // namespace fastgpu
