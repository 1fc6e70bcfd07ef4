#pragma once
// The queue engine: one discipline for fastgpud's scheduler and the simulator's replay. It
// orders waiting tasks (QueueSort: aged first, then fair share among projects, equal share among
// a project's users, priority, FIFO), holds a resource for a head past its patience (backfill
// with patience), keeps projects within their limits, and picks victims when a task can only
// start by stopping others (PostFilter: priority preemption, fair-share reclaim). Time is passed
// in: it owns no clock and no thread.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sched/queue/pending_reason.h"
#include "sched/queue/queue_entry.h"
#include "sched/queue/queue_host.h"
#include "sched/queue/share_book.h"
#include "sched/queue/victim_choice.h"

namespace fastgpu {

/// How patient and how deep a pass is.
struct QueueRules {
  /// A task that does not fit is passed over (backfill) until it has waited this long; from
  /// then on nothing behind it may start on its resource until it has (except tasks asking no
  /// GPU behind a pool head that waits only for GPUs).
  int64_t patience_us = 10'000'000;
  /// A task waiting this long goes before every task that has not (oldest first), whatever its
  /// priority or project, and once started no priority preempts it: no task starves. 0: tasks
  /// never age.
  int64_t aging_us = 0;
  /// Most entries one pass examines per resource after the first that does not fit.
  size_t backfill_window = 1000;
  /// Past use counts in fair share too: a project's load adds its recent use, an average of
  /// the GPUs it held with this half-life (Slurm's and KAI's decayed usage). 0: only what is
  /// held now counts.
  int64_t usage_half_life_us = 0;
};

/// Waiting tasks per resource, and what the pool's holders hold. Not thread-safe: its owner
/// (the scheduler loop, or a replay) calls it from one thread.
class QueueEngine {
 public:
  /// `projects` must not be empty; QueueEntry::project and Holding::project index it.
  QueueEngine(QueueRules rules, std::vector<ProjectRules> projects);

  /// Queues `entry` (replacing a waiting entry of the same id).
  void push(QueueEntry entry);
  /// Takes entry `id` out of the queue; false when it does not wait.
  bool erase(uint64_t id);
  /// The waiting entry `id`, or null.
  const QueueEntry* find(uint64_t id) const;
  /// Entries waiting, over all resources.
  size_t size() const { return waiting_.size(); }
  /// Ids of the waiting entries, oldest first (by when they were queued, then by id).
  std::vector<uint64_t> waiting_ids() const;
  /// Entries of `project` waiting, over all resources.
  size_t queued_in(int32_t project) const { return queued_per_project_.at(project); }
  /// GPUs (thousandths) the pool entries of `project` waiting would hold.
  int64_t queued_gpu_milli(int32_t project) const { return queued_gpu_milli_.at(project); }

  /// Changes QueueRules::usage_half_life_us (an accounts file reloaded).
  void set_usage_half_life(int64_t half_life_us) { rules_.usage_half_life_us = half_life_us; }

  /// Replaces the projects (an accounts file reloaded): every waiting entry and holding moves to
  /// the project `project_of` gives its user, keeping its place in time; room being made stays
  /// its entry's. Call between passes.
  void regroup(std::vector<ProjectRules> projects,
               const std::function<int32_t(const std::string& user)>& project_of);

  /// Records capacity of the pool held outside a pass (a task re-adopted after a restart, a
  /// vGPU placed); pass() records what it starts itself.
  void hold(const Holding& holding) { shares_.hold(holding); }
  /// Forgets what `id` held (it ended, or was preempted and its processes are gone).
  void release(uint64_t id);
  const ShareBook& shares() const { return shares_; }

  /// One scheduling pass at time `now_us`: for each resource, offers its waiting entries to
  /// `host` in queue order until the resource is held for a head, or the backfill window is
  /// used up. A pool entry that cannot start may make room (PostFilter): the victims chosen are
  /// stopped through the host and the entry holds the GPUs while they stop; entries behind it
  /// may not start on GPUs meanwhile, but may make room for themselves with other victims.
  /// Room made for an entry is not made again until its victims are released and it still
  /// does not fit; until it starts, that room counts as its project's for fair shares.
  void pass(int64_t now_us, QueueHost& host);

  /// Why entry `id` waits, as of the last pass over its resource; kNone when it does not wait
  /// or no pass has seen it yet.
  PendingReason reason(uint64_t id) const;

 private:
  using Key = std::pair<int32_t, uint64_t>;  // (-priority, id)
  using UserQueues = std::map<std::string, std::set<Key>>;
  // One resource's waiting entries, by project and user, and by age.
  struct ResourceQueue {
    std::map<int32_t, UserQueues> by_project;
    std::set<std::pair<int64_t, uint64_t>> by_age;       // (enqueued_us, id)
    uint64_t last_pass = 0;                              // pass_count_ at its last pass
    PendingReason unreached = PendingReason::kPriority;  // for entries that pass did not reach
    int32_t held_by_project = -1;                        // the project of the head that held it
  };
  struct Waiting {
    QueueEntry entry;
    PendingReason reason = PendingReason::kNone;
    uint64_t seen_in_pass = 0;    // the last pass that examined it
    uint64_t pushed_at_pass = 0;  // pass_count_ when it was queued
  };
  class PassOrder;
  // What a task asks, as far as fitting goes: identical requests fit or fail alike.
  struct Request {
    int64_t milli_tflops = 0;
    TaskShape shape;
    bool operator==(const Request&) const = default;
  };
  struct RequestHash {
    size_t operator()(const Request& r) const {
      return TaskShapeHash{}(r.shape) * 31 + static_cast<size_t>(r.milli_tflops);
    }
  };
  // What one pass over one resource has learned so far.
  struct PassState {
    ResourceQueue& queue;
    int64_t resource;
    // Requests that found no room in this pass, and why: an identical one cannot either.
    std::unordered_map<Request, PendingReason, RequestHash> failed = {};
    // Requests (with project and priority) for which no room could be made in this pass.
    std::vector<std::tuple<int64_t, TaskShape, int32_t, int32_t>> no_room = {};
    size_t examined_after_failure = 0;
    bool held_for_gpus = false;  // a head past its patience waits for GPUs: they are its
  };
  // What considering one entry came to.
  struct Considered {
    PendingReason reason = PendingReason::kNone;
    bool tried = false;  // it was offered (or known not to fit): patience applies
    bool left = false;   // it started or left the queue
  };
  // Room being made for a waiting entry: its victims are stopping.
  struct Claim {
    int32_t project = 0;
    int64_t gpu_milli = 0;
    size_t victims_left = 0;
    NodeIndex node = 0;  // where the victims run: fenced from other entries during a pass
  };

  void pass_resource(ResourceQueue& queue, int64_t resource, int64_t now_us, QueueHost& host);
  // consider_unfenced() with the node of the entry's own claim (if any) open to it.
  Considered consider(const QueueEntry& entry, bool aged, QueueHost& host, PassState& state);
  Considered consider_unfenced(const QueueEntry& entry, bool aged, QueueHost& host,
                               PassState& state);
  // Fences `node` through the host for the rest of the pass (once), or lifts that fence.
  void fence(NodeIndex node, QueueHost& host);
  void unfence(NodeIndex node, QueueHost& host);
  // Whether room is being made on `node`.
  bool node_claimed(NodeIndex node) const;
  // make_room() unless room is already being made for it, or could not be for an identical
  // entry in this pass; true when room is (being) made.
  bool make_room_once(const QueueEntry& entry, QueueHost& host, PassState& state);
  // Starts `entry` (`aged`: offered first for its age) through the host and records the
  // outcome; true when it left the queue.
  bool offer(const QueueEntry& entry, bool aged, const QuotaRoom& room, QueueHost& host,
             PendingReason* reason);
  // PostFilter: priority preemption within the entry's project, else a fair-share reclaim.
  bool make_room(const QueueEntry& entry, QueueHost& host);
  bool reclaim_for(const QueueEntry& entry, QueueHost& host);
  // Stops `choice`'s victims for `entry` and remembers the room being made.
  void claim(const QueueEntry& entry, const VictimChoice& choice, QueueHost& host,
             std::string_view why);
  // GPUs held per project, with room being made counted as already moved.
  std::vector<int64_t> held_after_claims() const;
  void remove_empty(int64_t resource);

  QueueRules rules_;
  ShareBook shares_;
  std::unordered_map<uint64_t, Waiting> waiting_;
  std::map<int64_t, ResourceQueue> resources_;
  std::vector<size_t> queued_per_project_;
  std::vector<int64_t> queued_gpu_milli_;           // per project: what its pool entries would hold
  std::unordered_map<uint64_t, Claim> claims_;      // by waiting entry
  std::unordered_map<uint64_t, uint64_t> freeing_;  // victim -> the entry it stops for
  std::vector<NodeIndex> fenced_;                   // claims' nodes fenced in this pass
  uint64_t pass_count_ = 0;
  std::optional<int64_t> recent_use_at_;  // when recent use was last aged (the last pass)
  bool in_pass_ = false;  // erase() leaves empty maps for after the pass (cursors point in)
};

}  // namespace fastgpu
