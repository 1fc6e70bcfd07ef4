#include "sched/queue/share_book.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace fastgpu {

ShareBook::ShareBook(std::vector<ProjectRules> projects)
    : rules_(std::move(projects)), totals_(rules_.size()), recent_(rules_.size(), 0) {
  assert(!rules_.empty());
}

void ShareBook::add(const Holding& holding, int sign) {
  Totals& totals = totals_.at(holding.project);
  totals.gpu_milli += sign * holding.gpu_milli;
  totals.gpu_memory_mib += sign * holding.gpu_memory_mib;
  totals.cpu_milli += sign * holding.cpu_milli;
  totals.memory_mib += sign * holding.memory_mib;
  if (holding.counts_as_task) {
    totals.tasks += sign;
    if (holding.preemptible) totals.preemptible += sign;
    if (sign > 0) {
      totals.priorities.insert(holding.priority);
    } else {
      totals.priorities.erase(totals.priorities.find(holding.priority));
    }
  }
  int64_t& by_user = totals.by_user[holding.user];
  by_user += sign * holding.gpu_milli;
  if (by_user == 0 && sign < 0) totals.by_user.erase(holding.user);
}

void ShareBook::hold(const Holding& holding) {
  release(holding.id);
  holdings_.emplace(holding.id, holding);
  add(holding, +1);
}

bool ShareBook::release(uint64_t id) {
  auto it = holdings_.find(id);
  if (it == holdings_.end()) return false;
  add(it->second, -1);
  holdings_.erase(it);
  return true;
}

const Holding* ShareBook::find(uint64_t id) const {
  auto it = holdings_.find(id);
  return it == holdings_.end() ? nullptr : &it->second;
}

int64_t ShareBook::held_by_user(int32_t project, const std::string& user) const {
  const auto& by_user = totals_.at(project).by_user;
  auto it = by_user.find(user);
  return it == by_user.end() ? 0 : it->second;
}

int32_t ShareBook::lowest_priority(int32_t project) const {
  const auto& priorities = totals_.at(project).priorities;
  return priorities.empty() ? INT32_MAX : *priorities.begin();
}

int64_t ShareBook::preemptible_outside(int32_t project) const {
  int64_t count = 0;
  for (size_t p = 0; p < totals_.size(); ++p) {
    if (static_cast<int32_t>(p) != project) count += totals_[p].preemptible;
  }
  return count;
}

double ShareBook::load_with(int32_t project, const Holding& change) const {
  const Totals& totals = totals_.at(project);
  const double gpus =
      static_cast<double>(totals.gpu_milli + change.gpu_milli) + recent_.at(project);
  if (pool_.gpu_milli <= 0) return gpus / rules_.at(project).share;
  double dominant = gpus / static_cast<double>(pool_.gpu_milli);
  if (cpu_binds_) {
    dominant = std::max(dominant, static_cast<double>(totals.cpu_milli + change.cpu_milli) /
                                      static_cast<double>(pool_.cpu_milli));
  }
  if (memory_binds_) {
    dominant = std::max(dominant, static_cast<double>(totals.memory_mib + change.memory_mib) /
                                      static_cast<double>(pool_.memory_mib));
  }
  return dominant / rules_.at(project).share;
}

void ShareBook::set_pool(const PoolCapacity& pool) {
  pool_ = pool;
  int64_t cpu = 0, memory = 0;
  for (const Totals& totals : totals_) {
    cpu += totals.cpu_milli;
    memory += totals.memory_mib;
  }
  cpu_binds_ = pool.cpu_milli > 0 && cpu >= kBindingFraction * static_cast<double>(pool.cpu_milli);
  memory_binds_ =
      pool.memory_mib > 0 && memory >= kBindingFraction * static_cast<double>(pool.memory_mib);
}

void ShareBook::age_recent_use(int64_t elapsed_us, int64_t half_life_us) {
  if (half_life_us <= 0 || elapsed_us <= 0) return;
  const double kept = std::exp2(-static_cast<double>(elapsed_us) / half_life_us);
  for (size_t p = 0; p < recent_.size(); ++p) {
    recent_[p] = recent_[p] * kept + static_cast<double>(totals_[p].gpu_milli) * (1 - kept);
  }
}

std::optional<QuotaRoom> ShareBook::room(int32_t project) const {
  const ProjectRules& rules = rules_.at(project);
  if (rules.max_running > 0 && totals_.at(project).tasks >= rules.max_running) return std::nullopt;
  return capacity_room(project);
}

QuotaRoom ShareBook::capacity_room(int32_t project) const {
  const ProjectRules& rules = rules_.at(project);
  const Totals& totals = totals_.at(project);
  QuotaRoom room;
  if (rules.max_gpu_milli > 0)
    room.gpu_milli = std::max<int64_t>(0, rules.max_gpu_milli - totals.gpu_milli);
  if (rules.max_gpu_memory_mib > 0) {
    room.gpu_memory_mib = std::max<int64_t>(0, rules.max_gpu_memory_mib - totals.gpu_memory_mib);
  }
  return room;
}

std::vector<int64_t> ShareBook::entitlements(std::span<const int64_t> demand,
                                             int64_t capacity) const {
  const size_t n = rules_.size();
  std::vector<int64_t> want(n, 0);
  std::vector<int64_t> given(n, 0);
  for (size_t p = 0; p < n && p < demand.size(); ++p) {
    want[p] = demand[p];
    if (rules_[p].max_gpu_milli > 0) want[p] = std::min(want[p], rules_[p].max_gpu_milli);
  }
  int64_t left = capacity;
  // Water-filling: each round shares what is left among the projects still wanting, by
  // weight; those it satisfies drop out and leave their surplus to the next round.
  for (;;) {
    double weights = 0;
    for (size_t p = 0; p < n; ++p) {
      if (given[p] < want[p]) weights += rules_[p].share;
    }
    if (weights == 0 || left <= 0) break;
    int64_t handed = 0;
    for (size_t p = 0; p < n; ++p) {
      if (given[p] >= want[p]) continue;
      const auto part = static_cast<int64_t>(static_cast<double>(left) * rules_[p].share / weights);
      const int64_t take = std::min(want[p] - given[p], std::max<int64_t>(part, 1));
      given[p] += take;
      handed += take;
      if (handed >= left) break;
    }
    left -= handed;
    if (handed == 0) break;
  }
  return given;
}

}  // namespace fastgpu
