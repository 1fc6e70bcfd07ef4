#pragma once
// The answer of GET /v1/usage (docs/API.md): usage per user and per project, priced.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "sched/queue/accounts.h"
#include "store/store.h"

namespace fastgpu {

/// What a usage report covers and shows.
struct UsageReportScope {
  int64_t since_us = 0;
  int64_t until_us = 0;        // now
  bool with_projects = false;  // admins see the projects' totals; users their own rows only
};

/// Usage per user (with its project) and, when scope.with_projects, per project: GPU-seconds in
/// all and by GPU model, task attempts ended by state, vGPUs ended, and cost at `accounts`'
/// prices per GPU-hour. `totals` are the store's ended ones and the scheduler's live ones
/// (running tasks, active vGPUs) together.
nlohmann::json usage_report(const std::vector<UsageTotal>& totals, const Accounts& accounts,
                            const UsageReportScope& scope);

}  // namespace fastgpu
