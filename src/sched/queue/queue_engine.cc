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
            std::unordered_map<uint64_t, Waiting>& waiting, int64_t aged_before)
      : queue_(queue),
        shares_(shares),
        waiting_(waiting),
        aged_before_(aged_before),
        age_cursor_(queue.by_age.begin()) {}

  // Whether `id` was offered because it aged.
  bool aged(uint64_t id) const { return aged_.contains(id); }

  // The next entry to offer; null when none is left.
  Waiting* next() {
    if (Waiting* aged = next_aged()) return aged;
    if (!merging_) start_merge();
    for (;;) {
      UserCursor* user = least_served();
      if (user == nullptr) return nullptr;
      const uint64_t id = user->at->second;
      ++user->at;
      if (!aged_.contains(id)) return &waiting_.at(id);
    }
  }

 private:
  struct UserCursor {
    int32_t project = 0;
    const std::string* user = nullptr;
    std::set<Key>::const_iterator at, end;
  };

  Waiting* next_aged() {
    if (merging_ || age_cursor_ == queue_.by_age.end() || age_cursor_->first > aged_before_) {
      return nullptr;
    }
    const uint64_t id = (age_cursor_++)->second;
    aged_.insert(id);
    return &waiting_.at(id);
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
    if (cursors_.size() == 1) return cursors_[0].at == cursors_[0].end ? nullptr : &cursors_[0];
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
  std::unordered_map<uint64_t, Waiting>& waiting_;
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

void QueueEngine::regroup(std::vector<ProjectRules> projects,
                          const std::function<int32_t(const std::string& user)>& project_of) {
  std::vector<Holding> holdings;
  for (const auto& [id, held] : shares_.holdings()) {
    holdings.push_back(held);
    holdings.back().project = project_of(held.user);
  }
  std::vector<QueueEntry> entries;
  for (const auto& [id, waiting] : waiting_) {
    entries.push_back(waiting.entry);
    entries.back().project = project_of(waiting.entry.user);
  }
  std::unordered_map<uint64_t, Claim> claims = claims_;
  for (auto& [id, claim] : claims) claim.project = project_of(waiting_.at(id).entry.user);
  std::map<std::string, double> recent_use;  // a project keeps its recent use by its name
  for (size_t p = 0; p < shares_.project_count(); ++p) {
    const auto project = static_cast<int32_t>(p);
    recent_use[shares_.rules(project).name] = shares_.recent_use(project);
  }

  shares_ = ShareBook(std::move(projects));
  for (size_t p = 0; p < shares_.project_count(); ++p) {
    const auto project = static_cast<int32_t>(p);
    if (auto it = recent_use.find(shares_.rules(project).name); it != recent_use.end()) {
      shares_.set_recent_use(project, it->second);
    }
  }
  for (const Holding& held : holdings) shares_.hold(held);
  waiting_.clear();
  resources_.clear();
  queued_per_project_.assign(shares_.project_count(), 0);
  queued_gpu_milli_.assign(shares_.project_count(), 0);
  for (QueueEntry& entry : entries) push(std::move(entry));
  claims_ = std::move(claims);
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
  claims_.erase(id);  // room made for it is no longer needed; its victims still count as freeing
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

std::vector<uint64_t> QueueEngine::waiting_ids() const {
  std::vector<std::pair<int64_t, uint64_t>> by_age;
  by_age.reserve(waiting_.size());
  for (const auto& [resource, queue] : resources_) {
    by_age.insert(by_age.end(), queue.by_age.begin(), queue.by_age.end());
  }
  std::sort(by_age.begin(), by_age.end());
  std::vector<uint64_t> ids;
  ids.reserve(by_age.size());
  for (const auto& [at, id] : by_age) ids.push_back(id);
  return ids;
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

void QueueEngine::pass(int64_t now_us, QueueHost& host) {
  if (recent_use_at_) shares_.age_recent_use(now_us - *recent_use_at_, rules_.usage_half_life_us);
  recent_use_at_ = now_us;
  shares_.set_pool(host.pool_capacity());
  std::vector<int64_t> resources;
  resources.reserve(resources_.size());
  for (const auto& [resource, queue] : resources_) resources.push_back(resource);
  in_pass_ = true;
  for (int64_t resource : resources) {
    if (resource != kPoolResource) {
      pass_resource(resources_.at(resource), resource, now_us, host);
      continue;
    }
    // Room being made is its claimant's: nothing else starts on a node whose victims stop.
    for (const auto& [id, claim] : claims_) fence(claim.node, host);
    pass_resource(resources_.at(resource), resource, now_us, host);
    while (!fenced_.empty()) unfence(fenced_.back(), host);
  }
  in_pass_ = false;
  for (int64_t resource : resources) remove_empty(resource);
}

void QueueEngine::pass_resource(ResourceQueue& queue, int64_t resource, int64_t now_us,
                                QueueHost& host) {
  queue.last_pass = ++pass_count_;
  queue.unreached = PendingReason::kPriority;
  queue.held_by_project = -1;
  const int64_t aged_before =
      rules_.aging_us > 0 ? now_us - rules_.aging_us : std::numeric_limits<int64_t>::min();
  PassOrder order(queue, shares_, waiting_, aged_before);
  PassState state{queue, resource};
  while (Waiting* next = order.next()) {
    if (!state.failed.empty() && ++state.examined_after_failure > rules_.backfill_window) return;
    const QueueEntry& entry = next->entry;  // until consider() lets it leave the queue
    next->seen_in_pass = queue.last_pass;
    const Considered considered = consider(entry, order.aged(entry.id), host, state);
    if (considered.left) continue;
    next->reason = considered.reason;
    if (!considered.tried || now_us - entry.enqueued_us < rules_.patience_us) continue;
    // Passed over for too long: it holds the resource (a pool head waiting only for GPUs holds
    // the GPUs; tasks asking none may still pass it).
    if (state.held_for_gpus || resource != kPoolResource || !host.waits_only_for_gpus(entry)) {
      queue.unreached = PendingReason::kHeldForHead;
      queue.held_by_project = entry.project;
      return;
    }
    state.held_for_gpus = true;
    queue.held_by_project = entry.project;
  }
}

QueueEngine::Considered QueueEngine::consider(const QueueEntry& entry, bool aged, QueueHost& host,
                                              PassState& state) {
  if (state.held_for_gpus && entry.asks_gpu()) {
    // Held for a head past its patience that waits for GPUs.
    return {entry.project == state.queue.held_by_project ? PendingReason::kHeldForHead
                                                         : PendingReason::kFairShare};
  }
  // The room being made for it (its node fenced from the others) is its own to try. Room made
  // on one node for several entries is theirs alike.
  auto claim = claims_.find(entry.id);
  const std::optional<NodeIndex> claimed =
      claim == claims_.end() ? std::nullopt : std::optional(claim->second.node);
  if (claimed) unfence(*claimed, host);
  const Considered considered = consider_unfenced(entry, aged, host, state);
  if (claimed && node_claimed(*claimed)) fence(*claimed, host);
  return considered;
}

QueueEngine::Considered QueueEngine::consider_unfenced(const QueueEntry& entry, bool aged,
                                                       QueueHost& host, PassState& state) {
  const std::optional<QuotaRoom> room = shares_.room(entry.project);
  if (!room) return {PendingReason::kQuota};
  const Request request{entry.milli_tflops, entry.shape};
  auto known = state.failed.find(request);
  PendingReason reason;
  if (known != state.failed.end() && !claims_.contains(entry.id)) {
    reason = known->second;
  } else {
    if (offer(entry, aged, *room, host, &reason)) return {PendingReason::kNone, false, true};
    if (reason == PendingReason::kQuota) return {reason};  // its own limit, not the resource
    state.failed.emplace(request, reason);
  }
  // While room is made for it, patience does not apply: it holds that node, not the pool.
  if (state.resource == kPoolResource && make_room_once(entry, host, state)) {
    return {PendingReason::kPreempting};
  }
  return {reason, true};
}

void QueueEngine::fence(NodeIndex node, QueueHost& host) {
  if (std::find(fenced_.begin(), fenced_.end(), node) != fenced_.end()) return;
  host.fence_node(node);
  fenced_.push_back(node);
}

void QueueEngine::unfence(NodeIndex node, QueueHost& host) {
  auto it = std::find(fenced_.begin(), fenced_.end(), node);
  if (it == fenced_.end()) return;
  host.lift_node_fence(node);
  fenced_.erase(it);
}

bool QueueEngine::node_claimed(NodeIndex node) const {
  return std::any_of(claims_.begin(), claims_.end(),
                     [&](const auto& claim) { return claim.second.node == node; });
}

bool QueueEngine::make_room_once(const QueueEntry& entry, QueueHost& host, PassState& state) {
  if (shares_.lowest_priority(entry.project) >= entry.priority &&
      shares_.preemptible_outside(entry.project) == 0) {
    return false;  // no task it could preempt or reclaim
  }
  if (auto claim = claims_.find(entry.id); claim != claims_.end()) {
    if (claim->second.victims_left > 0) return true;  // its victims are still stopping
    claims_.erase(claim);  // they are gone and it still does not fit: room may be made anew
  }
  const auto key = std::tuple(entry.milli_tflops, entry.shape, entry.project, entry.priority);
  if (std::find(state.no_room.begin(), state.no_room.end(), key) != state.no_room.end()) {
    return false;
  }
  if (make_room(entry, host)) return true;
  state.no_room.push_back(key);
  return false;
}

bool QueueEngine::offer(const QueueEntry& entry, bool aged, const QuotaRoom& room, QueueHost& host,
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
        held.started_aged = aged;
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

}  // namespace

void QueueEngine::claim(const QueueEntry& entry, const VictimChoice& choice, QueueHost& host,
                        std::string_view why) {
  const NodeIndex node = shares_.find(choice.victims.front())->node;
  claims_[entry.id] = {entry.project, entry.gpu_milli, choice.victims.size(), node};
  for (uint64_t victim : choice.victims) {
    freeing_[victim] = entry.id;
    host.preempt(victim, why);
  }
  fence(node, host);  // after the stops: what a stop gave back at once is fenced too
}

void QueueEngine::release(uint64_t id) {
  shares_.release(id);
  auto freeing = freeing_.find(id);
  if (freeing == freeing_.end()) return;
  // The claim stays until its entry starts or leaves, or fails once more with every victim
  // gone: until then the room counts as its.
  auto claim = claims_.find(freeing->second);
  if (claim != claims_.end() && claim->second.victims_left > 0) --claim->second.victims_left;
  freeing_.erase(freeing);
}

std::vector<int64_t> QueueEngine::held_after_claims() const {
  std::vector<int64_t> held(shares_.project_count());
  for (size_t p = 0; p < held.size(); ++p)
    held[p] = shares_.held_gpu_milli(static_cast<int32_t>(p));
  for (const auto& [victim, beneficiary] : freeing_) {
    if (const Holding* h = shares_.find(victim)) held[h->project] -= h->gpu_milli;
  }
  for (const auto& [id, claim] : claims_) held[claim.project] += claim.gpu_milli;
  return held;
}

bool QueueEngine::make_room(const QueueEntry& entry, QueueHost& host) {
  if (shares_.lowest_priority(entry.project) >= entry.priority) return reclaim_for(entry, host);
  std::vector<VictimCandidate> candidates;
  for (const auto& [id, held] : shares_.holdings()) {
    if (held.counts_as_task && !held.started_aged && held.project == entry.project &&
        held.priority < entry.priority && host.stoppable(id)) {
      candidates.push_back({id, held.priority, held.node});
    }
  }
  if (!candidates.empty()) {
    const VictimChoice choice = choose_victims(candidates, fits_for(entry, host));
    if (!choice.victims.empty()) {
      claim(entry, choice, host, "preempted by a higher-priority task");
      return true;
    }
  }
  return reclaim_for(entry, host);
}

// A project below its fair share takes GPUs back from projects above theirs, stopping their
// preemptible tasks (never so many that one falls below its own share). Room already being
// made counts as moved.
bool QueueEngine::reclaim_for(const QueueEntry& entry, QueueHost& host) {
  const size_t projects = shares_.project_count();
  if (projects < 2 || shares_.preemptible_outside(entry.project) == 0) return false;
  std::vector<int64_t> held = held_after_claims();
  std::vector<int64_t> demand(projects);
  for (size_t p = 0; p < projects; ++p) {
    demand[p] = shares_.held_gpu_milli(static_cast<int32_t>(p)) + queued_gpu_milli_[p];
  }
  const std::vector<int64_t> entitled =
      shares_.entitlements(demand, host.pool_capacity().gpu_milli);
  const int32_t own = entry.project;
  if (held[own] + entry.gpu_milli > entitled[own]) return false;
  // Only from projects the order would still serve after this one once the task moved (a load
  // at least as high: when CPU or memory binds, a project may be above its GPUs' entitlement yet
  // below in dominant share): the GPUs taken back would otherwise go straight back, and again.
  Holding gained;
  gained.gpu_milli = entry.gpu_milli;
  gained.cpu_milli = entry.shape.cpu_milli;
  gained.memory_mib = entry.shape.memory_mib;
  const double own_load = shares_.load_with(own, gained);
  std::vector<VictimCandidate> candidates;
  for (const auto& [id, h] : shares_.holdings()) {
    if (!h.counts_as_task || !h.preemptible || h.project == own) continue;
    Holding lost;
    lost.gpu_milli = -h.gpu_milli;
    lost.cpu_milli = -h.cpu_milli;
    lost.memory_mib = -h.memory_mib;
    if (held[h.project] - h.gpu_milli >= entitled[h.project] &&
        shares_.load_with(h.project, lost) >= own_load && host.stoppable(id)) {
      candidates.push_back({id, h.priority, h.node});
    }
  }
  if (candidates.empty()) return false;
  const VictimChoice choice = choose_victims(candidates, fits_for(entry, host));
  if (choice.victims.empty()) return false;
  for (uint64_t victim : choice.victims) {
    const Holding* h = shares_.find(victim);
    held[h->project] -= h->gpu_milli;
    if (held[h->project] < entitled[h->project]) return false;
  }
  claim(entry, choice, host,
        "reclaimed for project " + shares_.rules(own).name + ", which is below its fair share");
  return true;
}

}  // namespace fastgpu
