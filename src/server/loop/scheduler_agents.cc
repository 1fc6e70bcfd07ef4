// The scheduler's side of fastgpu-agent: registration, syncs (heartbeat, report, assignments)
// and node timeouts. See docs/ARCHITECTURE.md, "Agents", for the rule that keeps a task from
// running twice at once.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "core/secret.h"
#include "core/text_file.h"
#include "core/wall_clock.h"
#include "server/loop/output_cap.h"
#include "server/loop/scheduler.h"

namespace fastgpu {
namespace {

void log_agent(const std::string& line) { std::fprintf(stderr, "fastgpud: %s\n", line.c_str()); }

}  // namespace

// ---- API threads -------------------------------------------------------------------------

Status Scheduler::register_agent(RegisterRequest request, RegisterReply* out) {
  return run_on_loop([this, request = std::move(request), out](auto reply) {
    register_on_loop(request, out, std::move(reply));
  });
}

Status Scheduler::remove_agent(const std::string& name, const std::string& by) {
  return run_on_loop([this, &name, &by](auto reply) {
    AgentSession* known = agents_.find_by_name(name);
    if (known == nullptr) return reply(Status::not_found("no agent node " + name));
    AgentSession& agent = *known;
    agent.barred_credential = agent.credential;
    if (agent.ready) node_down(agent, "removed by " + by);
    remove_from_pool(agent);
    reply({});
  });
}

Status Scheduler::sync_agent(const SyncRequest& request, SyncReply* out) {
  std::shared_ptr<AgentOutbox> outbox;
  Status e = run_on_loop([this, &request, &outbox](auto reply) {
    if (AgentSession* agent = agents_.find(request.agent_id)) outbox = agent->outbox;
    sync_on_loop(request, std::move(reply));
  });
  if (!e.is_ok()) return e;
  *out = outbox->take(request.epoch, std::chrono::milliseconds(request.wait_ms));
  return {};
}

// ---- The loop ----------------------------------------------------------------------------

void Scheduler::register_on_loop(RegisterRequest request, RegisterReply* out,
                                 std::function<void(Status)> reply) {
  const size_t gpu_count = request.devices.size();
  std::string credential = std::move(request.credential);  // `request` moves on below
  AgentSession* known = agents_.find_by_name(request.name);
  if (known == nullptr) {
    AgentSession agent = agents_.make(request.name, gpu_count);
    if (Status s = add_agent_nodes(agent, std::move(request)); !s.is_ok()) {
      return reply(Status::invalid_argument("field \"devices\": " + s.message()));
    }
    known = &agents_.add(std::move(agent));
  }
  AgentSession& agent = *known;
  if (Status s = AgentRegistry::check_return(agent, credential, gpu_count); !s.is_ok()) {
    return reply(s);
  }
  if (!agent.ready) {
    for (const NodeFence& fence : agent.fences) ledger_.lift_fence(fence);
    agent.fences.clear();
    agent.draining = false;
    agent.ready = true;
    dirty_ = true;
    restore_to_pool(agent);  // a new agent process taking a removed node's name
  }
  agent.epoch = agents_.new_epoch();
  agent.credential = std::move(credential);
  agent.outbox->set_epoch(agent.epoch);
  agent.last_seen = std::chrono::steady_clock::now();
  agent.last_seen_us = wall_clock_us();
  publish_snapshot();
  log_agent("agent " + agent.name + " registered (session " + std::to_string(agent.epoch) + ")");
  *out = RegisterReply{agent.id, agent.epoch, options_.node_timeout.count()};
  reply({});
}

Status Scheduler::add_agent_nodes(AgentSession& agent, RegisterRequest request) {
  auto next = std::make_shared<GpuPool>(*pool_);
  std::vector<NodeIndex> added;
  if (Status s =
          next->add_host(request.name, std::move(request.devices), request.cpu_milli, &added);
      !s.is_ok()) {
    return s;
  }
  for (NodeIndex n : added) {
    ledger_.add_node(next->nodes()[n]);
    agents_.add_node(agent.id);
  }
  agent.nodes = std::move(added);
  rebuild_placer();
  set_pool(std::move(next));
  dirty_ = true;
  return Status::ok();
}

void Scheduler::remove_from_pool(const AgentSession& agent) {
  if (agent.nodes.empty() || pool_->removed(agent.nodes.front())) return;
  auto next = std::make_shared<GpuPool>(*pool_);
  if (Status s = next->remove_host(agent.name); !s.is_ok()) return log_agent(s.message());
  set_pool(std::move(next));
  publish_snapshot();
  log_agent("agent " + agent.name + " removed from the pool");
}

void Scheduler::restore_to_pool(const AgentSession& agent) {
  if (agent.nodes.empty() || !pool_->removed(agent.nodes.front())) return;
  auto next = std::make_shared<GpuPool>(*pool_);
  next->restore_host(agent.name);
  set_pool(std::move(next));
}

void Scheduler::set_pool(std::shared_ptr<const GpuPool> pool) {
  pool_ = std::move(pool);
  admission_.publish_pool(pool_);
}

void Scheduler::sync_on_loop(const SyncRequest& request, std::function<void(Status)> reply) {
  AgentSession* known = agents_.find(request.agent_id);
  if (known == nullptr || known->epoch != request.epoch || !known->ready) {
    return reply(
        Status::failed_precondition("agent session " + std::to_string(request.epoch) +
                                    " is not current: stop every task and register again"));
  }
  AgentSession& agent = *known;
  if (!same_secret(request.credential, agent.credential)) {
    return reply(Status::unauthenticated("agent " + agent.name +
                                         ": missing or wrong agent "
                                         "credential (header " +
                                         std::string(kAgentCredentialHeader) + ")"));
  }
  agent.last_seen = std::chrono::steady_clock::now();
  agent.last_seen_us = wall_clock_us();
  for (const LogChunk& chunk : request.logs) append_agent_output(agent, chunk);
  for (const TaskExitReport& report : request.finished) apply_agent_exit(agent, report);
  reconcile(agent, request);
  publish_health();  // /v1/nodes shows heartbeats at most a second old
  // The agent forgets the ends it reported once answered: answer after they are committed.
  after_commit_.push_back([reply] { reply({}); });
}

void Scheduler::append_agent_output(AgentSession& agent, const LogChunk& chunk) {
  if (!agent.assigned.contains(chunk.task)) return;  // not (or no longer) its task
  LiveTask& task = live_.at(chunk.task);
  int64_t& received = task.agent_output_bytes[static_cast<size_t>(chunk.stream)];
  const int64_t end = chunk.offset + static_cast<int64_t>(chunk.data.size());
  if (end <= received) return;    // sent again after a sync that got no answer
  if (chunk.offset > received) {  // bytes before it never came: a gap would corrupt the log
    return log_agent("task " + std::to_string(chunk.task) + ": " + agent.name + " sent " +
                     log_stream_name(chunk.stream) + " from byte " + std::to_string(chunk.offset) +
                     " but only " + std::to_string(received) + " arrived: the chunk is dropped");
  }
  const size_t skip = static_cast<size_t>(std::max<int64_t>(0, received - chunk.offset));
  std::string bytes = chunk.data.substr(skip);
  if (const int64_t cap = options_.task_log_cap; cap > 0 && !task.log_cut) {
    const size_t keep = bytes_under_cap(received, bytes, cap);
    if (keep < bytes.size()) {  // past the cap: the rest is dropped and the task stopped
      bytes = bytes.substr(0, keep) + log_cap_note(cap);
      task.log_cut = true;
      (void)stop_process(task, std::chrono::milliseconds(0));
    }
  } else if (task.log_cut) {
    bytes.clear();
  }
  received = end;
  const char* suffix = chunk.stream == LogStream::kStdout ? ".out" : ".err";
  if (!bytes.empty() && !append_file(log_base(chunk.task) + suffix, bytes)) {
    log_agent("task " + std::to_string(chunk.task) + ": cannot write its " +
              log_stream_name(chunk.stream) + ": " + std::strerror(errno));
  }
}

void Scheduler::apply_agent_exit(AgentSession& agent, const TaskExitReport& report) {
  if (agent.assigned.erase(report.task) == 0) return;  // reported before, or never its task
  LiveTask& task = live_.at(report.task);
  if (!report.started && !task.ending) {
    return finish_running(task, TaskState::kFailed, std::nullopt,
                          "could not start on " + agent.name + ": " + report.detail);
  }
  ProcessExit exit;
  exit.status_known = true;
  exit.exit_code = report.exit_code;
  exit.signal = report.signal;
  task.usage = report.usage;
  end_process(task, exit);
}

void Scheduler::reconcile(AgentSession& agent, const SyncRequest& request) {
  std::set<int64_t> known(request.running.begin(), request.running.end());
  for (int64_t id : request.running) {
    if (!agent.assigned.contains(id)) agent.outbox->push_stop(StopOrder{id, 0});
  }
  for (const TaskExitReport& report : request.finished) known.insert(report.task);
  std::vector<int64_t> missing;
  for (int64_t id : agent.assigned) {
    if (!known.contains(id) && !agent.outbox->holds_start(id)) missing.push_back(id);
  }
  for (int64_t id : missing) {
    agent.assigned.erase(id);
    drop_from_agent(live_.at(id), "agent " + agent.name + " no longer runs it");
  }
}

void Scheduler::drop_from_agent(LiveTask& task, const std::string& reason) {
  if (task.ending) return end_process(task, ProcessExit{});  // its end is already decided
  lose(task, reason);
}

void Scheduler::lose(LiveTask& task, const std::string& reason) {
  const TaskId id = task.record.id;
  const int64_t held = held_gpu_milli(task);
  release(task);
  task.ending = true;
  const bool retry = task.record.retries_used < task.record.spec.max_retries;
  log_agent("task " + std::to_string(id) + " lost: " + reason + (retry ? "; retrying" : ""));
  TaskTransition lost =
      charged(transition(id, TaskState::kRunning, TaskState::kLost, reason), task.record, held);
  if (!retry) return batch_.add(std::move(lost), [this, id](const WriteResult&) { forget(id); });
  batch_.add(std::move(lost), [](const WriteResult&) {});
  TaskTransition again = transition(id, TaskState::kLost, TaskState::kPending);
  again.count_retry = true;
  batch_.add(std::move(again), [this, id](const WriteResult& result) {
    if (!result.status.is_ok()) {
      log_agent("task " + std::to_string(id) + ": " + result.status.message());
      return forget(id);
    }
    LiveTask& task = live_.at(id);
    task.record.retries_used += 1;
    requeue(task);
  });
}

void Scheduler::assign_to_agent(LiveTask& task) {
  const TaskId id = task.record.id;
  task.agent = agents_.agent_of(task.placement.node);
  TaskTransition start = start_transition(task);
  start.stdout_path = log_base(id) + ".out";  // appended to as the agent sends output
  start.stderr_path = log_base(id) + ".err";
  task.deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(task.record.spec.timeout_ms);
  commit_start(task, std::move(start));
}

void Scheduler::hand_to_agent(LiveTask& task) {
  AgentSession& agent = agents_.at(task.agent);
  if (!agent.ready) return lose(task, "agent " + agent.name + " is not ready");
  if (agent.draining) {  // committed to start there just before the reclaim: no retry spent
    return preempt(task,
                   "reclaimed: spot node " + agent.name + " was interrupted before it started");
  }
  const TaskSlice slice = slice_of(task);
  LaunchSpec spec = make_launch_spec(task.record, slice, "", "", EnforcementPaths{});
  task.agent_output_bytes = {0, 0};  // this attempt's output starts at offset 0
  agent.assigned.insert(task.record.id);
  Assignment assignment{task.record.id,
                        std::move(spec.argv),
                        std::move(spec.env),
                        std::move(spec.cwd),
                        wants_vgpu_library(task.record, slice),
                        {},
                        {}};
  if (const TaskConfiner* confiner = options_.confiner) {
    RunAs who;
    if (Status s = confiner->identity(task.record, &who); !s.is_ok()) {
      return lose(task, "no identity to run it as: " + s.message());
    }
    assignment.run_as = who;
    assignment.limits = confiner->limits(task.record.spec);
  }
  agent.outbox->push_start(std::move(assignment));
}

void Scheduler::check_agents() {
  const auto now = std::chrono::steady_clock::now();
  for (auto& [id, agent] : agents_.sessions()) {
    if (agent.ready && now - agent.last_seen > options_.node_timeout) {
      node_down(agent, "silent for " + std::to_string(options_.node_timeout.count()) + " ms");
    }
  }
  if (!lost_on_agents_.empty()) requeue_lost_on_agents();
}

void Scheduler::requeue_lost_on_agents() {
  const auto now = std::chrono::steady_clock::now();
  auto due = std::partition(lost_on_agents_.begin(), lost_on_agents_.end(),
                            [now](const auto& held) { return now < held.first; });
  for (auto it = due; it != lost_on_agents_.end(); ++it) {
    TaskTransition again = transition(it->second.id, TaskState::kLost, TaskState::kPending);
    again.count_retry = true;
    batch_.add(again,
               [this, again, record = std::move(it->second)](const WriteResult& result) mutable {
                 if (!result.status.is_ok()) {
                   log_agent("task " + std::to_string(record.id) + ": " + result.status.message());
                   return completions_.finish(record.id);
                 }
                 (void)apply_transition(again, wall_clock_us(), &record);
                 absorb(std::move(record));
               });
  }
  lost_on_agents_.erase(due, lost_on_agents_.end());
}

void Scheduler::publish_health() {
  const auto now = std::chrono::steady_clock::now();
  if (now - health_published_ < std::chrono::seconds(1)) return;
  health_published_ = now;
  publish_snapshot();
}

void Scheduler::node_down(AgentSession& agent, const std::string& why) {
  log_agent("agent " + agent.name + " " + why + ": its nodes are not ready");
  agent.ready = false;
  agent.outbox->clear();
  const std::set<int64_t> assigned = std::move(agent.assigned);
  agent.assigned.clear();
  for (int64_t id : assigned) drop_from_agent(live_.at(id), "node " + agent.name + " " + why);
  // Fenced after its tasks gave their slices back, so that nothing lands there until it returns.
  for (NodeIndex n : agent.nodes) agent.fences.push_back(ledger_.fence_node(n));
  dirty_ = true;
  publish_snapshot();
}

}  // namespace fastgpu
