#include "sim/replay_report.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "sim/text_format.h"

namespace fastgpu {
namespace {

nlohmann::json series_json(const std::vector<ReplaySample>& series) {
  nlohmann::json time = nlohmann::json::array(), alloc = nlohmann::json::array(),
                 queued = nlohmann::json::array(), running = nlohmann::json::array();
  for (const ReplaySample& s : series) {
    time.push_back(s.time);
    alloc.push_back(s.alloc_percent);
    queued.push_back(s.queued);
    running.push_back(s.running);
  }
  return {{"time", std::move(time)},
          {"alloc_percent", std::move(alloc)},
          {"queued", std::move(queued)},
          {"running", std::move(running)}};
}

nlohmann::json projects_json(const std::vector<ProjectReplay>& projects) {
  nlohmann::json out = nlohmann::json::array();
  for (const ProjectReplay& p : projects) {
    out.push_back({{"name", p.name},
                   {"weight_percent", p.weight_percent},
                   {"tasks", p.tasks},
                   {"placed", p.placed},
                   {"delay_seconds", {{"p50", p.delay.p50}, {"p99", p.delay.p99}}},
                   {"contended_gpu_percent", p.contended_gpu_percent},
                   {"saturated_gpu_percent", p.saturated_gpu_percent}});
  }
  return out;
}

// Per project, when there are several: weight, GPUs held while all waited, delays.
std::string projects_table(const ReplayRun& r) {
  if (r.projects.size() < 2) return {};
  std::string out = format(
      "  %-12s %7s %7s %8s %9s %9s %8s %8s   (contended %lld s, saturated %lld s; %lld "
      "attempts reclaimed)\n",
      "project", "tasks", "placed", "weight", "gpu_share", "sat_share", "p50", "p99",
      static_cast<long long>(r.contended_seconds), static_cast<long long>(r.saturated_seconds),
      static_cast<long long>(r.tasks_reclaimed));
  for (const ProjectReplay& p : r.projects) {
    out += format("  %-12s %7lld %7lld %7.1f%% %8.1f%% %8.1f%% %8lld %8lld\n", p.name.c_str(),
                  static_cast<long long>(p.tasks), static_cast<long long>(p.placed),
                  p.weight_percent, p.contended_gpu_percent, p.saturated_gpu_percent,
                  static_cast<long long>(p.delay.p50), static_cast<long long>(p.delay.p99));
  }
  return out;
}

}  // namespace

nlohmann::json replay_run_json(const ReplayRun& r) {
  return {
      {"policy", r.policy},
      {"seed", r.seed},
      {"backfill", r.backfill},
      {"interval", r.interval},
      {"tasks_total", r.tasks_total},
      {"tasks_placed", r.tasks_placed},
      {"tasks_infeasible", r.tasks_infeasible},
      {"tasks_reclaimed", r.tasks_reclaimed},
      {"tasks_reclaimed", r.tasks_reclaimed},
      {"tasks_still_queued", r.tasks_still_queued},
      {"mean_alloc_percent", r.mean_alloc_percent},
      {"delay_seconds",
       {{"mean", r.delay.mean}, {"p50", r.delay.p50}, {"p99", r.delay.p99}, {"max", r.delay.max}}},
      {"start_time", r.start_time},
      {"end_time", r.end_time},
      {"makespan", r.makespan()},
      {"seconds", r.seconds},
      {"series", series_json(r.series)},
      {"contended_seconds", r.contended_seconds},
      {"saturated_seconds", r.saturated_seconds},
      {"projects", projects_json(r.projects)}};
}

std::string replay_table(const std::vector<ReplayRun>& runs) {
  std::string out = format("%-14s %7s %7s %7s %7s %10s %9s %8s %8s %9s %10s %8s\n", "policy",
                           "tasks", "placed", "infeas", "queued", "mean_alloc", "delay_avg", "p50",
                           "p99", "max", "makespan", "seconds");
  for (const ReplayRun& r : runs) {
    out += format(
        "%-14s %7lld %7lld %7lld %7lld %9.2f%% %9.1f %8lld %8lld %9lld %10lld %8.3f\n",
        r.policy.c_str(), static_cast<long long>(r.tasks_total),
        static_cast<long long>(r.tasks_placed), static_cast<long long>(r.tasks_infeasible),
        static_cast<long long>(r.tasks_still_queued), r.mean_alloc_percent, r.delay.mean,
        static_cast<long long>(r.delay.p50), static_cast<long long>(r.delay.p99),
        static_cast<long long>(r.delay.max), static_cast<long long>(r.makespan()), r.seconds);
    out += projects_table(r);
  }
  out += "(delays and makespan in seconds; queued: still waiting when the trace ended)\n";
  return out;
}

std::string replay_json(const std::vector<ReplayRun>& runs) {
  nlohmann::json all = nlohmann::json::array();
  for (const ReplayRun& r : runs) all.push_back(replay_run_json(r));
  return nlohmann::json{{"runs", std::move(all)}}.dump(1) + "\n";
}

std::string replay_csv(const std::vector<ReplayRun>& runs) {
  std::string out = "policy,time,alloc_percent,queued,running\n";
  for (const ReplayRun& r : runs) {
    for (const ReplaySample& s : r.series) {
      out += format("%s,%lld,%.4f,%lld,%lld\n", r.policy.c_str(), static_cast<long long>(s.time),
                    s.alloc_percent, static_cast<long long>(s.queued),
                    static_cast<long long>(s.running));
    }
  }
  return out;
}

}  // namespace fastgpu
