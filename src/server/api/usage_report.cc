#include "server/api/usage_report.h"

#include <map>
#include <string>

namespace fastgpu {
namespace {

// The sums one row of the report shows.
struct UsageSums {
  int64_t gpu_milli_ms = 0;
  std::map<std::string, int64_t> milli_ms_by_model;
  std::map<std::string, int64_t> task_ends;  // by end state
  int64_t vgpu_ends = 0;

  void add(const UsageTotal& t) {
    gpu_milli_ms += t.gpu_milli_ms;
    if (t.gpu_milli_ms > 0)
      milli_ms_by_model[t.model.empty() ? "unknown" : t.model] += t.gpu_milli_ms;
    if (t.ends == 0) return;
    if (t.kind == "vgpu") {
      vgpu_ends += t.ends;
    } else {
      task_ends[t.state] += t.ends;
    }
  }
};

double gpu_seconds(int64_t milli_ms) { return static_cast<double>(milli_ms) / 1e6; }

nlohmann::json sums_to_json(const UsageSums& sums, const Accounts& accounts) {
  nlohmann::json by_model = nlohmann::json::object();
  double cost = 0;
  for (const auto& [model, milli_ms] : sums.milli_ms_by_model) {
    by_model[model] = gpu_seconds(milli_ms);
    cost += gpu_seconds(milli_ms) / 3600 * accounts.gpu_hour_price_of(model);
  }
  return {{"gpu_seconds", gpu_seconds(sums.gpu_milli_ms)},
          {"gpu_seconds_by_model", by_model},
          {"task_ends", sums.task_ends},
          {"vgpus_ended", sums.vgpu_ends},
          {"cost", cost}};
}

}  // namespace

nlohmann::json usage_report(const std::vector<UsageTotal>& totals, const Accounts& accounts,
                            const UsageReportScope& scope) {
  // A user's rows may span projects (moved between them): one row per user and project.
  std::map<std::pair<std::string, std::string>, UsageSums> by_user;
  std::map<std::string, UsageSums> by_project;
  for (const UsageTotal& t : totals) {
    by_user[{t.owner, t.project}].add(t);
    by_project[t.project].add(t);
  }
  nlohmann::json users = nlohmann::json::array();
  for (const auto& [key, sums] : by_user) {
    nlohmann::json row = {{"user", key.first}, {"project", key.second}};
    row.update(sums_to_json(sums, accounts));
    users.push_back(std::move(row));
  }
  nlohmann::json out = {
      {"since", scope.since_us / 1e6}, {"until", scope.until_us / 1e6}, {"users", users}};
  if (!scope.with_projects) return out;
  nlohmann::json projects = nlohmann::json::array();
  for (const auto& [project, sums] : by_project) {
    nlohmann::json row = {{"project", project}};
    row.update(sums_to_json(sums, accounts));
    projects.push_back(std::move(row));
  }
  out["projects"] = std::move(projects);
  return out;
}

}  // namespace fastgpu
