// The scheduler's side of the live autoscaler: what is pending (tasks and vGPUs), which agents
// are busy, and
// retiring an idle agent before its node is given back.

#include <numeric>
#include <set>

#include "server/loop/scheduler.h"

namespace fastgpu {

Status Scheduler::autoscale_view(AutoscaleView* out) {
  return run_on_loop([this, out](auto reply) {
    out->pending.clear();
    out->pending_tflops.clear();
    for (const auto& [id, task] : live_) {
      const TaskSpec& spec = task.record.spec;
      if (task.record.state != TaskState::kPending || task.launching || task.pool_shape ||
          spec.vgpu != kNoVgpu) {
        continue;
      }
      add_demand(spec.shape, spec.milli_tflops, out);
    }
    for (const auto& [id, slice] : vgpus_.slices()) {  // pending vGPUs are demand too
      if (slice.placed() || slice.deleting()) continue;
      add_demand(vgpu_shape(slice.record().spec), slice.record().spec.milli_tflops, out);
    }
    out->agents.clear();
    for (const auto& [id, agent] : agents_.sessions()) {
      out->agents.push_back({agent.name, agent.ready && !agent.retired, agent_busy(agent)});
    }
    reply({});
  });
}

void Scheduler::add_demand(const TaskShape& shape, int64_t milli_tflops, AutoscaleView* out) {
  if (milli_tflops != 0) {
    out->pending_tflops.emplace_back(shape, milli_tflops);
  } else {
    out->pending.push_back(shape);
  }
}

bool Scheduler::agent_busy(const AgentSession& agent) const {
  if (!agent.assigned.empty()) return true;
  // A draining agent's nodes are fenced whole (fences count as tasks in the ledger): what it
  // still runs is all that keeps it busy.
  if (agent.draining) return false;
  for (NodeIndex n : agent.nodes) {
    const auto& classes = ledger_.state(n).tasks_by_gpu_class;
    if (std::accumulate(classes.begin(), classes.end(), 0) > 0) return true;
  }
  return false;
}

Status Scheduler::retire_agent(const std::string& name) {
  return run_on_loop([this, name](auto reply) { retire_on_loop(name, std::move(reply)); });
}

void Scheduler::retire_on_loop(const std::string& name, std::function<void(Status)> reply) {
  AgentSession* known = agents_.find_by_name(name);
  if (known == nullptr) return reply(Status::not_found("no agent " + name));
  AgentSession& agent = *known;
  if (agent.retired) return reply({});
  if (agent_busy(agent)) return reply(Status::failed_precondition("agent " + name + " runs tasks"));
  agent.retired = true;
  if (agent.ready) {
    agent.ready = false;
    agent.outbox->clear();
    for (NodeIndex n : agent.nodes) agent.fences.push_back(ledger_.fence_node(n));
  }
  remove_from_pool(agent);
  reply({});
}

Status Scheduler::drain_agent(const std::string& name, const std::string& reason,
                              int64_t* requeued) {
  *requeued = 0;
  return run_on_loop([this, &name, &reason, requeued](auto reply) {
    AgentSession* known = agents_.find_by_name(name);
    if (known == nullptr) return reply(Status::not_found("no agent " + name));
    AgentSession& agent = *known;
    if (!agent.ready) return reply(Status::failed_precondition("agent " + name + " is not ready"));
    agent.draining = true;  // what its tasks give back stays fenced too (release())
    for (NodeIndex n : agent.nodes) agent.fences.push_back(ledger_.fence_node(n));
    const std::set<int64_t> assigned = agent.assigned;  // preempt() leaves them assigned
    for (int64_t id : assigned) {
      LiveTask& task = live_.at(id);
      if (task.ending) continue;  // its end is decided already
      preempt(task, reason);
      ++*requeued;
    }
    dirty_ = true;
    publish_snapshot();
    reply({});
  });
}

}  // namespace fastgpu
