#include "agent/node_agent.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <thread>

#include "core/secret.h"

namespace fastgpu {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Most bytes of output and exit reports one sync carries (fastgpud takes bodies up to 1 MiB;
// output grows by a third in base64).
constexpr size_t kReportBudgetBytes = 512 * 1024;
constexpr size_t kBytesPerExitReport = 256;
// How long a report of a task's end waits for its output to reach its end: what a process that
// left the task's process group keeps open is not waited for longer.
constexpr milliseconds kOutputDrainWait{2000};
// The long-poll while tasks run: short, so that their ends are reported soon.
constexpr milliseconds kBusyWait{2};

void log_line(const std::string& line) {
  std::fprintf(stderr, "fastgpu-agent: %s\n", line.c_str());
}

// Parses a 200 answer to `what` into *reply with `parse`; false (logged) for no answer, another
// status or a malformed body.
template <typename Reply>
bool read_answer(const httplib::Result& result, const char* what,
                 Status (*parse)(const std::string&, Reply*), Reply* reply) {
  if (!result) {
    log_line(std::string(what) + ": no answer: " + httplib::to_string(result.error()));
    return false;
  }
  if (result->status != 200) {
    log_line(std::string(what) + " refused (" + std::to_string(result->status) +
             "): " + result->body);
    return false;
  }
  if (Status s = parse(result->body, reply); !s.is_ok()) {
    log_line(s.message());
    return false;
  }
  return true;
}

}  // namespace

NodeAgent::NodeAgent(Options options, std::vector<GpuDevice> devices, int64_t cpu_milli)
    : options_(std::move(options)),
      devices_(std::move(devices)),
      cpu_milli_(cpu_milli),
      client_(options_.server),
      sandbox_(options_.sandbox),
      credential_(random_secret()) {
  client_.set_keep_alive(true);
  client_.set_tcp_nodelay(true);
  if (!options_.ca_file.empty()) client_.set_ca_cert_path(options_.ca_file.c_str());
  client_.enable_server_certificate_verification(true);
}

NodeAgent::~NodeAgent() {
  if (launcher_) launcher_->close();
}

void NodeAgent::stop() { stopping_ = true; }

httplib::Result NodeAgent::post(const std::string& path, const nlohmann::json& body,
                                SteadyClock::time_point deadline) {
  // Connecting, sending and waiting for the answer each get a third of the time left, so the
  // attempt is over by `deadline` (give or take the scheduling of this thread).
  const auto left = std::chrono::duration_cast<milliseconds>(deadline - SteadyClock::now());
  const milliseconds each = std::max(milliseconds(1), left / 3);
  client_.set_connection_timeout(each);
  client_.set_write_timeout(each);
  client_.set_read_timeout(each);
  httplib::Headers headers;
  if (!options_.join_token.empty()) headers.emplace(kJoinTokenHeader, options_.join_token);
  headers.emplace(kAgentCredentialHeader, credential_);
  return client_.Post(path, headers, body.dump(), "application/json");
}

void NodeAgent::run() {
  launcher_ = std::make_unique<LaunchWorker>([this](LaunchOutcome outcome) {
    std::lock_guard lock(launched_mu_);
    launched_.push_back(std::move(outcome));
  });
  while (!stopping_) {
    if (epoch_ == 0) {
      pause(register_session());
      continue;
    }
    collect();
    if (SteadyClock::now() - last_ok_send_ > fence_after_) {
      fence("no answer from fastgpud for " + std::to_string(fence_after_.count()) + " ms");
      continue;
    }
    if (!sync_once()) std::this_thread::sleep_for(milliseconds(20));
  }
  fence("stopping");
  launcher_->close();
}

void NodeAgent::pause(milliseconds how_long) const {
  const auto until = SteadyClock::now() + how_long;
  while (!stopping_ && SteadyClock::now() < until) {
    std::this_thread::sleep_for(std::min(how_long, milliseconds(100)));
  }
}

milliseconds NodeAgent::register_session() {
  const RegisterRequest request{options_.name, devices_, cpu_milli_, {}};
  const httplib::Result result =
      post("/v1/agents/register", to_json(request), SteadyClock::now() + milliseconds(3000));
  RegisterReply reply;
  if (!read_answer(result, "registration", parse_register_reply, &reply)) {
    if (!result || result->status >= 500) return milliseconds(200);  // fastgpud is away
    // Refused (a wrong join token, another GPU count, a live agent under this name): asking
    // again at once would not help; ask less and less often, up to every 30 s.
    refused_backoff_ = std::clamp(refused_backoff_ * 2, milliseconds(500), milliseconds(30'000));
    log_line("registering again in " + std::to_string(refused_backoff_.count()) + " ms");
    return refused_backoff_;
  }
  refused_backoff_ = milliseconds(0);
  agent_id_ = reply.agent_id;
  epoch_ = reply.epoch;
  fence_after_ = milliseconds(std::max<int64_t>(reply.node_timeout_ms / 2, 40));
  last_ok_send_ = SteadyClock::now();
  log_line("registered as " + options_.name + " (agent " + std::to_string(agent_id_) +
           ", session " + std::to_string(epoch_) + ")");
  return milliseconds(0);
}

bool NodeAgent::sync_once() {
  SyncRequest request = next_request();
  // The attempt must be over when the fence falls due; the long-poll takes at most a quarter
  // of the time left.
  const SteadyClock::time_point fence_due = last_ok_send_ + fence_after_;
  const SteadyClock::time_point sent = SteadyClock::now();
  const auto left = std::chrono::duration_cast<milliseconds>(fence_due - sent);
  const bool news = !finished_.empty() || outputs_.has_unsent();
  const milliseconds wait = news             ? milliseconds(0)
                            : tasks_.empty() ? std::min(options_.idle_wait, left / 4)
                                             : kBusyWait;
  request.wait_ms = std::max<int64_t>(0, wait.count());
  const httplib::Result result = post("/v1/agents/sync", to_json(request), fence_due);
  if (result && (result->status == 409 || result->status == 401)) {
    fence("fastgpud refused the session: " + result->body);
    return true;
  }
  SyncReply reply;
  if (!read_answer(result, "sync", parse_sync_reply, &reply)) return false;
  last_ok_send_ = sent;
  acknowledge(request);
  apply(reply);
  return true;
}

SyncRequest NodeAgent::next_request() const {
  SyncRequest request;
  request.agent_id = agent_id_;
  request.epoch = epoch_;
  for (const auto& [id, task] : tasks_) request.running.push_back(id);
  request.logs = outputs_.unsent(kReportBudgetBytes * 3 / 4);
  std::map<int64_t, size_t> carried;  // output bytes of each task in this request
  for (const LogChunk& chunk : request.logs) carried[chunk.task] += chunk.data.size();
  size_t bytes = 0;
  for (const TaskExitReport& report : finished_) {
    // An end goes no earlier than the last of its task's output, and within the budget; until
    // it goes, the task is reported running (fastgpud would take it for lost otherwise).
    const bool output_sent = outputs_.unsent_bytes(report.task) == carried[report.task];
    if (!output_sent || bytes + kBytesPerExitReport > kReportBudgetBytes / 4) {
      request.running.push_back(report.task);
      continue;
    }
    request.finished.push_back(report);
    bytes += kBytesPerExitReport + report.detail.size();
  }
  return request;
}

void NodeAgent::acknowledge(const SyncRequest& sent) {
  outputs_.acknowledge(sent.logs);
  std::set<int64_t> reported;
  for (const TaskExitReport& report : sent.finished) reported.insert(report.task);
  std::erase_if(finished_,
                [&](const TaskExitReport& report) { return reported.contains(report.task); });
}

void NodeAgent::collect() {
  take_launch_outcomes();
  outputs_.read_available();
  const SteadyClock::time_point now = SteadyClock::now();
  for (const ProcessExit& exit : supervisor_.poll_exits()) {
    auto owner = task_of_pid_.find(exit.identity.pid);
    if (owner == task_of_pid_.end()) continue;
    LocalTask& task = tasks_.at(owner->second);
    task_of_pid_.erase(owner);
    task.exit = exit;
    task.read_until = now + kOutputDrainWait;
  }
  report_ended_tasks();
}

void NodeAgent::report_ended_tasks() {
  const SteadyClock::time_point now = SteadyClock::now();
  std::vector<std::pair<int64_t, ProcessExit>> ended;
  for (const auto& [id, task] : tasks_) {
    // Past the wait, what is still unread is cut, unless the agent itself holds it back.
    const bool waited = now >= task.read_until && !outputs_.holding_back(id);
    if (task.exit && (outputs_.at_end(id) || waited)) ended.emplace_back(id, *task.exit);
  }
  for (const auto& [id, exit] : ended) {
    outputs_.close_reads(id);
    report_exit(id, exit);
  }
}

void NodeAgent::take_launch_outcomes() {
  std::vector<LaunchOutcome> outcomes;
  {
    std::lock_guard lock(launched_mu_);
    outcomes.swap(launched_);
  }
  for (LaunchOutcome& outcome : outcomes) {
    LocalTask& task = tasks_.at(outcome.tag);
    outputs_.close_write_ends(outcome.tag);
    if (!outcome.status.is_ok()) {
      report_not_started(outcome.tag, outcome.status);
      continue;
    }
    supervisor_.hold_child(outcome.process.identity);
    task.pid = outcome.process.identity.pid;
    task_of_pid_[task.pid] = outcome.tag;
    if (task.stop_grace_ms >= 0)
      (void)supervisor_.terminate(task.pid, milliseconds(task.stop_grace_ms));
  }
}

void NodeAgent::report_not_started(int64_t task, const Status& why) {
  outputs_.forget(task);
  TaskExitReport report;
  report.task = task;
  report.started = false;
  report.detail = why.message();
  sandbox_.finish(task);
  finished_.push_back(std::move(report));
  tasks_.erase(task);
}

void NodeAgent::report_exit(int64_t task, const ProcessExit& exit) {
  TaskExitReport report;
  report.task = task;
  report.exit_code = exit.exit_code;
  report.signal = exit.signal;
  report.detail = describe_exit(exit);
  report.usage = sandbox_.finish(task);  // what the task left running goes with it
  finished_.push_back(std::move(report));
  tasks_.erase(task);
}

void NodeAgent::apply(const SyncReply& reply) {
  for (const Assignment& assignment : reply.start) start(assignment);
  for (const StopOrder& order : reply.stop) stop_task(order.task, order.grace_ms);
}

void NodeAgent::start(const Assignment& assignment) {
  if (!tasks_.emplace(assignment.task, LocalTask{}).second) return;  // already running
  LaunchSpec spec;
  spec.argv = assignment.argv;
  spec.guarded = true;  // the task dies with the agent, even when the agent is killed
  spec.env = assignment.env;
  spec.cwd = assignment.cwd;  // empty: the task's scratch directory
  if (Status s = outputs_.open(assignment.task, &spec.stdout_fd, &spec.stderr_fd); !s.is_ok()) {
    return report_not_started(assignment.task, s);
  }
  if (assignment.preload_vgpu) spec.ld_preload = options_.vgpu_library;
  LaunchJob job{assignment.task, std::move(spec), {}};
  job.prepare = [this, task = assignment.task, who = assignment.run_as,
                 limits = assignment.limits](LaunchSpec* s) {
    if (sandbox_.enabled() && !who) {
      return Status::failed_precondition(
          "fastgpud named no identity to run it as, and this "
          "agent runs no task as root");
    }
    return sandbox_.prepare(task, who, limits, s);
  };
  (void)launcher_->enqueue(std::move(job));
}

void NodeAgent::stop_task(int64_t id, int64_t grace_ms) {
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return;  // ended already; its end is reported
  LocalTask& task = it->second;
  if (task.stop_grace_ms >= 0 && task.stop_grace_ms <= grace_ms) return;  // stopping already
  task.stop_grace_ms = grace_ms;
  if (task.pid != 0) (void)supervisor_.terminate(task.pid, milliseconds(grace_ms));
}

void NodeAgent::fence(const std::string& why) {
  if (!tasks_.empty()) log_line(why + ": killing " + std::to_string(tasks_.size()) + " task(s)");
  for (auto& [id, task] : tasks_) stop_task(id, 0);
  while (!tasks_.empty()) {  // launches in flight are killed as they land
    std::this_thread::sleep_for(milliseconds(1));
    collect();
    for (auto& [id, task] : tasks_) {
      if (task.pid != 0) (void)supervisor_.terminate(task.pid, milliseconds(0));
    }
  }
  finished_.clear();  // fastgpud decides these tasks' fate: lost, and retried
  outputs_.clear();
  epoch_ = 0;
}

}  // namespace fastgpu
