#pragma once
// Who holds what of the pool, by project and user, next to each project's weight and limits:
// what fair share and quotas are decided from.

#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "sched/queue/queue_entry.h"
#include "sched/queue/queue_host.h"

namespace fastgpu {

/// A project's fair-share weight and its hard limits; a limit of 0 means none.
struct ProjectRules {
  std::string name;
  double share = 1.0;              // weight: projects with work waiting share GPUs by it
  int64_t max_gpu_milli = 0;       // GPUs held at once, in thousandths
  int64_t max_gpu_memory_mib = 0;  // GPU memory held at once
  int32_t max_running = 0;         // tasks holding capacity at once
  int32_t max_queued = 0;          // tasks waiting at once (checked at submission)
  std::optional<int32_t> max_priority = std::nullopt;  // highest priority its users may ask
  bool operator==(const ProjectRules&) const = default;
};

/// The holdings of the pool, summed per project and per user. Not thread-safe.
class ShareBook {
 public:
  /// `projects` must not be empty; project numbers are indices into it.
  explicit ShareBook(std::vector<ProjectRules> projects);

  size_t project_count() const { return rules_.size(); }
  const ProjectRules& rules(int32_t project) const { return rules_.at(project); }

  /// Records `holding` (replacing one of the same id).
  void hold(const Holding& holding);
  /// Forgets holding `id`; false when it is not held.
  bool release(uint64_t id);
  /// The holding `id`, or null.
  const Holding* find(uint64_t id) const;
  const std::unordered_map<uint64_t, Holding>& holdings() const { return holdings_; }

  int64_t held_gpu_milli(int32_t project) const { return totals_.at(project).gpu_milli; }
  int64_t held_by_user(int32_t project, const std::string& user) const;
  int32_t running(int32_t project) const { return totals_.at(project).tasks; }
  /// The lowest priority among the project's tasks holding capacity; INT32_MAX when none.
  int32_t lowest_priority(int32_t project) const;
  /// Tasks holding capacity marked preemptible, over every project but `project`.
  int64_t preemptible_outside(int32_t project) const;
  /// The project's dominant share over its weight: the project with the lowest load is served
  /// first. Its dominant share is its part of the pool's GPUs (held, plus recent use when it is
  /// kept), or of the pool's CPU or host memory when that resource binds, whichever is larger
  /// (dominant resource fairness). Before set_pool(): held GPUs plus recent use, over share.
  double load(int32_t project) const { return load_with(project, {}); }
  /// The project's load were it to hold `change` more (its fields added; negative ones taken).
  double load_with(int32_t project, const Holding& change) const;
  /// What the pool holds; a resource binds while at least kBindingFraction of it is held. Set at
  /// each pass (the pool grows and shrinks).
  void set_pool(const PoolCapacity& pool);
  static constexpr double kBindingFraction = 0.9;
  /// Moves each project's recent use toward what it holds now, as an exponential average of
  /// held GPU-milli with half-life `half_life_us`, over `elapsed_us` (the time since the last
  /// call; what is held is taken as held throughout).
  void age_recent_use(int64_t elapsed_us, int64_t half_life_us);
  /// The project's recent use: GPU-milli held on average, recent time weighing most.
  double recent_use(int32_t project) const { return recent_.at(project); }
  /// Sets it (to carry it over to a new ShareBook when the projects change).
  void set_recent_use(int32_t project, double gpu_milli) { recent_.at(project) = gpu_milli; }
  /// What the project's limits leave for one more task; nullopt when it runs max_running tasks.
  std::optional<QuotaRoom> room(int32_t project) const;
  /// The GPUs and GPU memory the project's limits leave (max_running aside: for a vGPU).
  QuotaRoom capacity_room(int32_t project) const;

  /// Weighted max-min shares of `capacity` GPU-milli among projects wanting `demand` each
  /// (indexed by project; a project's demand is capped by its max_gpu_milli): each gets its
  /// weight's part, never more than it wants, and what one leaves is shared among the rest.
  std::vector<int64_t> entitlements(std::span<const int64_t> demand, int64_t capacity) const;

 private:
  struct Totals {
    int64_t gpu_milli = 0;
    int64_t gpu_memory_mib = 0;
    int64_t cpu_milli = 0;
    int64_t memory_mib = 0;
    int32_t tasks = 0;
    int32_t preemptible = 0;
    std::multiset<int32_t> priorities;                 // of its tasks
    std::unordered_map<std::string, int64_t> by_user;  // GPU-milli per user
  };
  void add(const Holding& holding, int sign);

  std::vector<ProjectRules> rules_;
  std::vector<Totals> totals_;
  std::vector<double> recent_;  // per project: recent use, GPU-milli (0 unless it is kept)
  PoolCapacity pool_;
  bool cpu_binds_ = false;
  bool memory_binds_ = false;
  std::unordered_map<uint64_t, Holding> holdings_;
};

}  // namespace fastgpu
