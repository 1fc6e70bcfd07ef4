#include "server/loop/agent_registry.h"

#include <utility>

#include "core/secret.h"

namespace fastgpu {

AgentSession* AgentRegistry::find(int64_t id) {
  auto it = agents_.find(id);
  return it == agents_.end() ? nullptr : &it->second;
}

AgentSession* AgentRegistry::find_by_name(const std::string& name) {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &agents_.at(it->second);
}

AgentSession AgentRegistry::make(const std::string& name, size_t gpu_count) {
  AgentSession agent;
  agent.id = next_id_++;
  agent.name = name;
  agent.gpu_count = gpu_count;
  return agent;
}

AgentSession& AgentRegistry::add(AgentSession agent) {
  by_name_.emplace(agent.name, agent.id);
  const int64_t id = agent.id;
  return agents_.emplace(id, std::move(agent)).first->second;
}

Status AgentRegistry::check_return(const AgentSession& agent, const std::string& credential,
                                   size_t gpu_count) {
  if (!agent.barred_credential.empty() && same_secret(credential, agent.barred_credential)) {
    return Status::failed_precondition("agent " + agent.name +
                                       " was removed by an admin: restart "
                                       "fastgpu-agent to register it again");
  }
  if (agent.ready && !same_secret(credential, agent.credential)) {
    return Status::failed_precondition(
        "agent " + agent.name +
        " is registered and heartbeating: another registration under its "
        "name is refused until its node times out or an admin removes it (fastgpu nodes rm " +
        agent.name + ")");
  }
  if (agent.retired) {
    return Status::failed_precondition("agent " + agent.name + " was retired by the autoscaler");
  }
  if (agent.gpu_count != gpu_count) {
    return Status::failed_precondition("agent " + agent.name + " registered with " +
                                       std::to_string(agent.gpu_count) + " GPU(s), now reports " +
                                       std::to_string(gpu_count));
  }
  return {};
}

}  // namespace fastgpu
