#include "server/cluster/autoscale_loop.h"

#include <pthread.h>

#include <algorithm>
#include <cctype>

#include "core/wall_clock.h"
#include "sched/policy_registry.h"

namespace fastgpu {
namespace {

constexpr size_t kHistory = 1000;

// Whole seconds of `us` microseconds, rounded to nearest.
int64_t rounded_seconds(int64_t us) { return (us + 500'000) / 1'000'000; }

double dollars(MicroDollars micro) { return static_cast<double>(micro) / kMicroPerDollar; }

PolicyFactory pack_policy_factory(const std::string& name) {
  return [name] {
    std::string unused;
    return make_policy(name, PolicyContext{}, &unused);
  };
}

}  // namespace

AutoscaleLoop::AutoscaleLoop(Scheduler* scheduler, Config config,
                             std::unique_ptr<NodeProvider> provider)
    : scheduler_(scheduler),
      config_(std::move(config)),
      autoscaler_(config_.catalog, config_.limits, pack_policy_factory(config_.pack_policy)),
      provider_(std::move(provider)),
      account_(config_.catalog),
      fallback_(config_.catalog.types.size(), config_.limits) {}

AutoscaleLoop::~AutoscaleLoop() { stop(); }

void AutoscaleLoop::start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "autoscale");  // as `top -H` and perf show it
    loop();
  });
}

void AutoscaleLoop::stop() {
  std::unique_lock lock(wake_mu_);
  stopping_ = true;
  lock.unlock();
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AutoscaleLoop::loop() {
  std::unique_lock lock(wake_mu_);
  while (!stopping_) {
    lock.unlock();
    run_once();
    lock.lock();
    wake_.wait_for(lock, config_.period, [this] { return stopping_; });
  }
}

void AutoscaleLoop::run_once() {
  for (ProviderNote& note_of : provider_->poll()) {
    if (note_of.interrupted) {
      interrupt(note_of.node, note_of.detail, wall_clock_us());
    } else {
      note("ended", "", std::move(note_of.node), 0, std::move(note_of.detail), wall_clock_us());
    }
  }
  Scheduler::AutoscaleView view;
  if (!scheduler_->autoscale_view(&view).is_ok()) return;  // the daemon is stopping
  const int64_t now_us = wall_clock_us();
  observe(view, now_us);
  give_back_drained(view, now_us);
  std::vector<TaskShape> pending = std::move(view.pending);
  for (const auto& [shape, milli_tflops] : view.pending_tflops) {
    if (std::optional<TaskShape> s = autoscaler_.tflops_shape(shape, milli_tflops)) {
      pending.push_back(*s);
    }
  }
  std::vector<bool> withheld;
  {
    std::lock_guard lock(mu_);
    withheld = fallback_.withheld(now_us / 1'000'000);
  }
  const AutoscaleDecisions decisions =
      autoscaler_.decide(now_us / 1'000'000, pending, pool_nodes(), withheld);
  std::vector<ScaleDown> downs = decisions.down;  // by index, highest first: removal shifts
  std::sort(downs.begin(), downs.end(),
            [](const auto& a, const auto& b) { return a.node > b.node; });
  for (const ScaleDown& down : downs) scale_down(down, now_us);
  for (const ScaleUp& up : decisions.up) scale_up(up, now_us);
  std::string held_back;
  for (const std::string& why : decisions.held_back)
    held_back += (held_back.empty() ? "" : "; ") + why;
  if (held_back != last_held_back_ && !held_back.empty()) {
    note("held-back", "", "", 0, held_back, now_us);
  }
  last_held_back_ = held_back;
}

void AutoscaleLoop::observe(const Scheduler::AutoscaleView& view, int64_t now_us) {
  std::unordered_map<std::string, const Scheduler::AgentUse*> agents;
  for (const Scheduler::AgentUse& agent : view.agents) agents[agent.name] = &agent;
  std::vector<std::pair<size_t, std::string>> lost;  // index into live_, why
  {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < live_.size(); ++i) {
      auto it = agents.find(live_[i].name);
      std::string why = update(live_[i], it == agents.end() ? nullptr : it->second, now_us);
      if (!why.empty()) lost.emplace_back(i, std::move(why));
    }
  }
  for (auto i = lost.rbegin(); i != lost.rend(); ++i) lose(i->first, i->second, now_us);
}

// A booting node becomes ready once its agent registers, and is lost when it has not within
// twice its type's boot time and 10 s; a ready node is idle or not, and lost once its agent
// went silent. Returns why the node is lost; empty when it is not.
std::string AutoscaleLoop::update(AutoscaledNode& node, const Scheduler::AgentUse* agent,
                                  int64_t now_us) {
  const NodeType& type = config_.catalog.types[node.type];
  node.pid = provider_->pid_of(node.name);
  if (node.state == "interrupted") return {};  // give_back_drained() ends it
  const bool ready = agent != nullptr && agent->ready;
  if (node.state == "booting" && !ready) {
    const int64_t limit_s = 2 * type.boot_seconds + 10;
    if (now_us - node.requested_us <= limit_s * 1'000'000) return {};
    return "it did not join within " + std::to_string(limit_s) + " s";
  }
  if (node.state == "booting") {
    node.state = "ready";
    node.ready_us = now_us;
    note("joined", type.name, node.name, 0,
         "ready " + std::to_string((now_us - node.requested_us) / 1000) + " ms after the request",
         now_us);
  }
  if (!ready) return "its agent stopped heartbeating";
  node.idle = !agent->busy;
  if (!node.idle) idle_since_s_.erase(node.name);
  if (node.idle) idle_since_s_.try_emplace(node.name, now_us / 1'000'000);
  return {};
}

// Gives back live_[index] and stops what may be left of it.
void AutoscaleLoop::lose(size_t index, const std::string& why, int64_t now_us) {
  AutoscaledNode node;
  {
    std::lock_guard lock(mu_);
    node = live_.at(index);
  }
  (void)scheduler_->retire_agent(node.name);  // should it come back, it stays out of the pool
  std::string detail;
  const Status stopped = provider_->scale_down(node.name, &detail);
  note("lost", config_.catalog.types[node.type].name, node.name, 0,
       why + "; " + (stopped.is_ok() ? detail : stopped.message()), now_us);
  give_back(index, "lost", now_us);
}

// The market takes node `name` back: its tasks are stopped with their grace period and
// requeued elsewhere (no retry spent), nothing new lands there, and it is given back once
// drained. Enough reclaims of its type make the type fall back to on-demand for a while.
void AutoscaleLoop::interrupt(const std::string& name, const std::string& detail, int64_t now_us) {
  size_t type = 0;
  {
    std::lock_guard lock(mu_);
    auto it = std::find_if(live_.begin(), live_.end(),
                           [&](const AutoscaledNode& n) { return n.name == name; });
    if (it == live_.end() || it->state == "interrupted") return;
    type = it->type;
    it->state = "interrupted";
    it->drain_until_us = now_us + std::chrono::microseconds(scheduler_->kill_grace()).count() +
                         2'000'000;  // the grace, and time for the agent to say the tasks ended
  }
  const std::string& type_name = config_.catalog.types[type].name;
  int64_t requeued = 0;
  const Status drained =
      scheduler_->drain_agent(name, "reclaimed: spot node " + name + " was interrupted", &requeued);
  note("interrupted", type_name, name, requeued,
       detail + "; " +
           (drained.is_ok() ? std::to_string(requeued) +
                                  " task(s) stopped with their grace period and requeued "
                                  "elsewhere, no retry spent"
                            : drained.message()),
       now_us);
  bool fell_back = false;
  if (config_.catalog.types[type].market == Market::kSpot) {  // only spot falls back
    std::lock_guard lock(mu_);
    fell_back = fallback_.record(type, now_us / 1'000'000);
  }
  if (fell_back) {
    const PoolLimits& l = config_.limits;
    note("fallback", type_name, "", 0,
         std::to_string(l.spot_fallback_interruptions) + " reclaims within " +
             std::to_string(l.spot_fallback_window_seconds) + " s: " + type_name +
             " is not started again until " + std::to_string(l.spot_fallback_window_seconds) +
             " s after its last reclaim; on-demand types take its place",
         now_us);
  }
}

// Gives back the interrupted nodes whose tasks are gone (or whose time is up): the agent is
// removed from the pool and the provider stops it.
void AutoscaleLoop::give_back_drained(const Scheduler::AutoscaleView& view, int64_t now_us) {
  std::unordered_map<std::string, bool> busy;
  for (const Scheduler::AgentUse& agent : view.agents) busy[agent.name] = agent.busy;
  std::vector<size_t> drained;
  {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < live_.size(); ++i) {
      const AutoscaledNode& node = live_[i];
      if (node.state != "interrupted") continue;
      if (!busy[node.name] || now_us >= node.drain_until_us) drained.push_back(i);
    }
  }
  for (auto i = drained.rbegin(); i != drained.rend(); ++i) {
    AutoscaledNode node;
    {
      std::lock_guard lock(mu_);
      node = live_.at(*i);
    }
    (void)scheduler_->remove_agent(node.name, "its spot reclaim");
    (void)scheduler_->retire_agent(node.name);  // its name never brings the node back
    std::string detail;
    const Status stopped = provider_->scale_down(node.name, &detail);
    note("reclaimed", config_.catalog.types[node.type].name, node.name, 0,
         std::string(busy[node.name] ? "still busy at the end of its grace; " : "drained; ") +
             (stopped.is_ok() ? detail : stopped.message()),
         now_us);
    give_back(*i, "reclaimed", now_us);
  }
}

std::vector<PoolNode> AutoscaleLoop::pool_nodes() const {
  std::lock_guard lock(mu_);
  std::vector<PoolNode> nodes;
  for (size_t i = 0; i < live_.size(); ++i) {
    const AutoscaledNode& node = live_[i];
    PoolNode pool_node;
    pool_node.id = i;
    pool_node.type = node.type;
    pool_node.state = node.state == "booting"       ? PoolNodeState::kBooting
                      : node.state == "interrupted" ? PoolNodeState::kDraining
                                                    : PoolNodeState::kReady;
    pool_node.idle = node.idle;
    if (auto it = idle_since_s_.find(node.name); it != idle_since_s_.end()) {
      pool_node.idle_since = it->second;
    }
    nodes.push_back(pool_node);
  }
  return nodes;
}

void AutoscaleLoop::scale_down(const ScaleDown& down, int64_t now_us) {
  AutoscaledNode node;
  {
    std::lock_guard lock(mu_);
    node = live_.at(down.node);
  }
  const std::string& type = config_.catalog.types[node.type].name;
  if (Status e = scheduler_->retire_agent(node.name); !e.is_ok()) {
    return note("scale-down-skipped", type, node.name, 0, e.message(), now_us);
  }
  std::string detail;
  const Status s = provider_->scale_down(node.name, &detail);
  note(s.is_ok() ? "scale-down" : "provider-error", type, node.name, 0,
       down.reason + "; " + (s.is_ok() ? detail : s.message()), now_us);
  give_back(down.node, "removed", wall_clock_us());
}

// Ends the billing of live_[index] at `now_us` and moves it to the history as `state`.
void AutoscaleLoop::give_back(size_t index, const std::string& state, int64_t now_us) {
  std::lock_guard lock(mu_);
  AutoscaledNode node = live_.at(index);
  live_.erase(live_.begin() + static_cast<std::ptrdiff_t>(index));
  idle_since_s_.erase(node.name);
  node.state = state;
  node.stopped_us = now_us;
  node.pid = 0;
  account_.charge(node.type, rounded_seconds(now_us - node.requested_us));
  history_.push_back(std::move(node));
  while (history_.size() > kHistory) history_.pop_front();
}

void AutoscaleLoop::scale_up(const ScaleUp& up, int64_t now_us) {
  const NodeType& type = config_.catalog.types[up.type];
  std::vector<std::string> names;
  for (int64_t i = 0; i < up.count; ++i) names.push_back(next_name(up.type));
  std::string detail;
  const Status s = provider_->scale_up(type, names, &detail);
  note(s.is_ok() ? "scale-up" : "provider-error", type.name, "", up.count,
       up.reason + "; " + (s.is_ok() ? detail : s.message()), now_us);
  std::lock_guard lock(mu_);
  for (const std::string& name : names) {
    AutoscaledNode node;
    node.name = name;
    node.type = up.type;
    node.state = "booting";
    node.requested_us = now_us;
    node.pid = provider_->pid_of(name);
    live_.push_back(std::move(node));
  }
}

std::string AutoscaleLoop::next_name(size_t type) {
  std::string name = "as-";
  for (char c : config_.catalog.types[type].name) {
    name += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '-';
  }
  return name + "-" + std::to_string(next_serial_++);
}

void AutoscaleLoop::note(std::string action, std::string type, std::string node, int64_t count,
                         std::string reason, int64_t now_us) {
  log_.append(
      {now_us, std::move(action), std::move(type), std::move(node), count, std::move(reason)});
}

std::vector<AutoscaledNode> AutoscaleLoop::nodes() const {
  std::lock_guard lock(mu_);
  std::vector<AutoscaledNode> nodes(history_.begin(), history_.end());
  nodes.insert(nodes.end(), live_.begin(), live_.end());
  return nodes;
}

nlohmann::json AutoscaleLoop::cost_json() const {
  const int64_t now_us = wall_clock_us();
  std::lock_guard lock(mu_);
  CostAccount account = account_;
  for (const AutoscaledNode& node : live_) {
    account.charge(node.type, rounded_seconds(now_us - node.requested_us));
  }
  nlohmann::json types = nlohmann::json::array();
  for (size_t t = 0; t < config_.catalog.types.size(); ++t) {
    const NodeType& type = config_.catalog.types[t];
    types.push_back({{"type", type.name},
                     {"price_per_hour", dollars(type.price_per_hour)},
                     {"node_seconds", account.node_seconds(t)},
                     {"gpu_seconds", account.gpu_seconds(t)},
                     {"cost", dollars(account.cost(t))},
                     {"reclaims", fallback_.reclaims()[t]}});
  }
  nlohmann::json nodes = nlohmann::json::array();
  const auto add = [&](const AutoscaledNode& node) {
    const int64_t end_us = node.stopped_us != 0 ? node.stopped_us : now_us;
    nodes.push_back({{"name", node.name},
                     {"type", config_.catalog.types[node.type].name},
                     {"state", node.state},
                     {"requested", static_cast<double>(node.requested_us) / 1e6},
                     {"stopped", node.stopped_us != 0
                                     ? nlohmann::json(static_cast<double>(node.stopped_us) / 1e6)
                                     : nlohmann::json()},
                     {"seconds", static_cast<double>(end_us - node.requested_us) / 1e6}});
  };
  for (const AutoscaledNode& node : history_) add(node);
  for (const AutoscaledNode& node : live_) add(node);
  return {{"types", types},
          {"total",
           {{"node_seconds", account.total_node_seconds()},
            {"gpu_seconds", account.total_gpu_seconds()},
            {"cost", dollars(account.total_cost())}}},
          {"nodes", nodes}};
}

void mark_autoscaled(const std::vector<AutoscaledNode>& autoscaled, const NodeCatalog& catalog,
                     nlohmann::json* nodes) {
  std::unordered_map<std::string, const AutoscaledNode*> by_name;
  for (const AutoscaledNode& node : autoscaled) by_name[node.name] = &node;
  for (nlohmann::json& node : (*nodes)["nodes"]) {
    if (!node["host"].is_string()) continue;
    auto it = by_name.find(node["host"].get<std::string>());
    if (it == by_name.end()) continue;
    const AutoscaledNode& known = *it->second;
    node["type"] = catalog.types[known.type].name;
    node["autoscale_state"] = known.state;
    node["pid"] = known.pid != 0 ? nlohmann::json(known.pid) : nlohmann::json();
  }
}

}  // namespace fastgpu
