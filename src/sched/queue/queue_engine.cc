#include "sched/queue/queue_engine.h"

#include <algorithm>
#include <limits>
#include <tuple>
#include <unordered_set>

#include "sched/queue/victim_choice.h"

namespace fastgpu {

// The order one pass offers a resource's entries in: first those that have aged (oldest
// first), then a merge that always serves the project with the lowest load (held GPUs over
// share), inside it the user holding least, and that user's entries by priority, then FIFO.
// Loads move as entries start, so the merge is decided one entry at a time.
class QueueEngine::PassOrder {
 public:
  PassOrder(ResourceQueue& queue, const ShareBook& shares,
            const std::unordered_map<uint64_t, Waiting>& waiting, int64_t aged_before)
      : queue_(queue),
        shares_(shares),
        waiting_(waiting),
        aged_before_(aged_before),
        age_cursor_(queue.by_age.begin()) {}

  // The next entry to offer; null when none is left.
  const QueueEntry* next() {
    if (const QueueEntry* aged = next_aged()) return aged;
    if (!merging_) start_merge();
    for (;;) {
      UserCursor* user = least_served();
      if (user == nullptr) return nullptr;
      const uint64_t id = user->at->second;
      ++user->at;
      if (!aged_.contains(id)) return &waiting_.at(id).entry;
    }
  }

 private:
  struct UserCursor {
    int32_t project = 0;
    const std::string* user = nullptr;
    std::set<Key>::const_iterator at, end;
  };

  const QueueEntry* next_aged() {
    if (merging_ || age_cursor_ == queue_.by_age.end() || age_cursor_->first > aged_before_) {
      return nullptr;
    }
    const uint64_t id = (age_cursor_++)->second;
    aged_.insert(id);
    return &waiting_.at(id).entry;
  }

  void start_merge() {
    merging_ = true;
    for (auto& [project, users] : queue_.by_project) {
      for (auto& [user, order] : users) {
        cursors_.push_back({project, &user, order.begin(), order.end()});
      }
    }
  }

  // The cursor to serve next: lowest project load, then lowest user holding, then names.
  UserCursor* least_served() {
    UserCursor* best = nullptr;
    std::tuple<double, int32_t, int64_t> best_key;
    for (UserCursor& cursor : cursors_) {
      if (cursor.at == cursor.end) continue;
      const std::tuple key(shares_.load(cursor.project), cursor.project,
                           shares_.held_by_user(cursor.project, *cursor.user));
      if (best == nullptr || key < best_key) {
        best = &cursor;
        best_key = key;
      }
    }
    return best;
  }

  ResourceQueue& queue_;
  const ShareBook& shares_;
  const std::unordered_map<uint64_t, Waiting>& waiting_;
  const int64_t aged_before_;
  std::set<std::pair<int64_t, uint64_t>>::const_iterator age_cursor_;
  std::unordered_set<uint64_t> aged_;
  bool merging_ = false;
  std::vector<UserCursor> cursors_;
};

QueueEngine::QueueEngine(QueueRules rules, std::vector<ProjectRules> projects)
    : rules_(rules),
      shares_(std::move(projects)),
      queued_per_project_(shares_.project_count(), 0),
      queued_gpu_milli_(shares_.project_count(), 0) {}

void QueueEngine::push(QueueEntry entry) {
  erase(entry.id);
  ResourceQueue& queue = resources_[entry.resource];
  queue.by_project[entry.project][entry.user].emplace(-entry.priority, entry.id);
  queue.by_age.emplace(entry.enqueued_us, entry.id);
  queued_per_project_.at(entry.project) += 1;
  if (entry.resource == kPoolResource) queued_gpu_milli_[entry.project] += entry.gpu_milli;
  const uint64_t id = entry.id;
  waiting_.emplace(id, Waiting{std::move(entry), PendingReason::kNone, 0, pass_count_});
}

bool QueueEngine::erase(uint64_t id) {
  auto it = waiting_.find(id);
  if (it == waiting_.end()) return false;
  const QueueEntry& entry = it->second.entry;
  ResourceQueue& queue = resources_.at(entry.resource);
  queue.by_project.at(entry.project).at(entry.user).erase({-entry.priority, id});
  queue.by_age.erase({entry.enqueued_us, id});
  queued_per_project_[entry.project] -= 1;
  if (entry.resource == kPoolResource) queued_gpu_milli_[entry.project] -= entry.gpu_milli;
  const int64_t resource = entry.resource;
  waiting_.erase(it);
  if (!in_pass_) remove_empty(resource);
  return true;
}

void QueueEngine::remove_empty(int64_t resource) {
  auto queue = resources_.find(resource);
  if (queue == resources_.end()) return;
  auto& by_project = queue->second.by_project;
  for (auto project = by_project.begin(); project != by_project.end();) {
    std::erase_if(project->second, [](const auto& user) { return user.second.empty(); });
    project = project->second.empty() ? by_project.erase(project) : std::next(project);
  }
  if (queue->second.by_age.empty()) resources_.erase(queue);
}

const QueueEntry* QueueEngine::find(uint64_t id) const {
  auto it = waiting_.find(id);
  return it == waiting_.end() ? nullptr : &it->second.entry;
}

PendingReason QueueEngine::reason(uint64_t id) const {
  auto it = waiting_.find(id);
  if (it == waiting_.end()) return PendingReason::kNone;
  const Waiting& waiting = it->second;
  const ResourceQueue& queue = resources_.at(waiting.entry.resource);
  if (waiting.seen_in_pass == queue.last_pass && queue.last_pass != 0) return waiting.reason;
  if (queue.last_pass <= waiting.pushed_at_pass) return PendingReason::kNone;
  if (queue.unreached == PendingReason::kHeldForHead &&
      queue.held_by_project != waiting.entry.project) {
    return PendingReason::kFairShare;
  }
  return queue.unreached;
}

void QueueEngine::pass(int64_t now_us, QueueHost& host, bool may_preempt) {
  std::vector<int64_t> resources;
  resources.reserve(resources_.size());
  for (const auto& [resource, queue] : resources_) resources.push_back(resource);
  in_pass_ = true;
  for (int64_t resource : resources) {
    pass_resource(resources_.at(resource), resource, now_us, host, &may_preempt);
  }
  in_pass_ = false;
  for (int64_t resource : resources) remove_empty(resource);
}

void QueueEngine::pass_resource(ResourceQueue& queue, int64_t resource, int64_t now_us,
                                QueueHost& host, bool* may_preempt) {
  queue.last_pass = ++pass_count_;
  queue.unreached = PendingReason::kPriority;
  queue.held_by_project = -1;
  const int64_t aged_before =
      rules_.aging_us > 0 ? now_us - rules_.aging_us : std::numeric_limits<int64_t>::min();
  PassOrder order(queue, shares_, waiting_, aged_before);
  // Requests that found no room in this pass, and why: an identical one cannot either.
  std::vector<std::tuple<int64_t, TaskShape, PendingReason>> failed;
  size_t examined_after_failure = 0;
  bool held_for_gpus = false;  // a head waiting for GPUs holds them: only tasks without pass
  while (const QueueEntry* next = order.next()) {
    if (!failed.empty() && ++examined_after_failure > rules_.backfill_window) return;
    const QueueEntry entry = *next;  // offer() may erase it
    Waiting& waiting = waiting_.at(entry.id);
    waiting.seen_in_pass = queue.last_pass;
    if (held_for_gpus && entry.asks_gpu()) {
      waiting.reason = entry.project == queue.held_by_project ? PendingReason::kHeldForHead
                                                              : PendingReason::kFairShare;
      continue;
    }
    const std::optional<QuotaRoom> room = shares_.room(entry.project);
    if (!room) {
      waiting.reason = PendingReason::kQuota;
      continue;
    }
    auto known = std::find_if(failed.begin(), failed.end(), [&](const auto& f) {
      return std::get<0>(f) == entry.milli_tflops && std::get<1>(f) == entry.shape;
    });
    PendingReason reason;
    if (known != failed.end()) {
      reason = std::get<2>(*known);
    } else {
      if (offer(entry, *room, host, &reason)) continue;
      if (reason == PendingReason::kQuota) {  // its own limit stops it, not the resource
        waiting_.at(entry.id).reason = reason;
        continue;
      }
      failed.emplace_back(entry.milli_tflops, entry.shape, reason);
      if (*may_preempt && resource == kPoolResource && make_room(entry, host)) {
        *may_preempt = false;
        waiting_.at(entry.id).reason = PendingReason::kPreempting;
        queue.unreached = PendingReason::kHeldForHead;
        queue.held_by_project = entry.project;
        return;  // making room by preemption: it holds the pool
      }
    }
    waiting_.at(entry.id).reason = reason;
    if (now_us - entry.enqueued_us >= rules_.patience_us) {
      if (held_for_gpus || resource != kPoolResource || !host.waits_only_for_gpus(entry)) {
        queue.unreached = PendingReason::kHeldForHead;
        queue.held_by_project = entry.project;
        return;
      }
      held_for_gpus = true;
      queue.held_by_project = entry.project;
    }
  }
}

bool QueueEngine::offer(const QueueEntry& entry, const QuotaRoom& room, QueueHost& host,
                        PendingReason* reason) {
  const StartVerdict verdict = host.try_start(entry, room);
  switch (verdict.outcome) {
    case StartVerdict::Outcome::kStarted:
      if (entry.resource == kPoolResource) {
        Holding held = verdict.held;
        held.id = entry.id;
        held.project = entry.project;
        held.user = entry.user;
        held.priority = entry.priority;
        held.preemptible = entry.preemptible;
        shares_.hold(held);
      }
      erase(entry.id);
      return true;
    case StartVerdict::Outcome::kLeft:
      erase(entry.id);
      return true;
    case StartVerdict::Outcome::kWaits:
      break;
  }
  *reason = verdict.reason;
  return false;
}

namespace {

// The host's fit oracle for `entry`, as victim_choice asks it.
FitsIfReleased fits_for(const QueueEntry& entry, QueueHost& host) {
  return [&entry, &host](NodeIndex node, std::span<const uint64_t> victims) {
    return host.fits_if_released(entry, node, victims);
  };
}

// Stops every victim of `choice` through the host; false when there is none.
bool stop_victims(const VictimChoice& choice, QueueHost& host, std::string_view why) {
  for (uint64_t victim : choice.victims) host.preempt(victim, why);
  return !choice.victims.empty();
}

}  // namespace

bool QueueEngine::make_room(const QueueEntry& entry, QueueHost& host) {
  std::vector<VictimCandidate> candidates;
  for (const auto& [id, held] : shares_.holdings()) {
    if (held.counts_as_task && held.project == entry.project && held.priority < entry.priority &&
        host.stoppable(id)) {
      candidates.push_back({id, held.priority, held.node});
    }
  }
  if (!candidates.empty() && stop_victims(choose_victims(candidates, fits_for(entry, host)), host,
                                          "preempted by a higher-priority task")) {
    return true;
  }
  return reclaim_for(entry, host);
}

// A project below its fair share takes GPUs back from projects above theirs, stopping their
// preemptible tasks (never so many that one falls below its own share).
bool QueueEngine::reclaim_for(const QueueEntry& entry, QueueHost& host) {
  const size_t projects = shares_.project_count();
  if (projects < 2) return false;
  std::vector<int64_t> demand(projects);
  for (size_t p = 0; p < projects; ++p) {
    demand[p] = shares_.held_gpu_milli(static_cast<int32_t>(p)) + queued_gpu_milli_[p];
  }
  const std::vector<int64_t> entitled = shares_.entitlements(demand, host.pool_gpu_milli());
  const int32_t own = entry.project;
  if (shares_.held_gpu_milli(own) + entry.gpu_milli > entitled[own]) return false;
  std::vector<VictimCandidate> candidates;
  for (const auto& [id, held] : shares_.holdings()) {
    if (held.counts_as_task && held.preemptible && held.project != own &&
        shares_.held_gpu_milli(held.project) - held.gpu_milli >= entitled[held.project] &&
        host.stoppable(id)) {
      candidates.push_back({id, held.priority, held.node});
    }
  }
  if (candidates.empty()) return false;
  const VictimChoice choice = choose_victims(candidates, fits_for(entry, host));
  std::vector<int64_t> after(projects);
  for (size_t p = 0; p < projects; ++p) after[p] = shares_.held_gpu_milli(static_cast<int32_t>(p));
  for (uint64_t victim : choice.victims) {
    const Holding* held = shares_.find(victim);
    after[held->project] -= held->gpu_milli;
    if (after[held->project] < entitled[held->project]) return false;
  }
  return stop_victims(
      choice, host,
      "reclaimed for project " + shares_.rules(own).name + ", which is below its fair share");
}

}  // namespace fastgpu
