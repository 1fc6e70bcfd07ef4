// `fastgpu sim replay`: event-driven replay of a trace with its arrival and departure times.

#include <iostream>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "cli/replay_autoscale.h"
#include "sched/policy_registry.h"
#include "sim/replay.h"
#include "sim/replay_report.h"
#include "sim/trace_reader.h"

namespace fastgpu::cli {
namespace {

struct ReplayFlags {
  std::string nodes, pods, policies, seed = "42", interval = "3600", format = "table", out_dir;
  std::string accounts;
  double compress = 1;
  bool no_backfill = false;
  bool preemptible = false;
  AutoscaleFlags autoscale;
};

// The parsed, checked flags.
struct ReplayPlan {
  std::vector<std::string> policies;
  ReplayOptions options;  // policy left empty: one run per name of `policies`
  std::string nodes_path, pods_path;
};

// The autoscale flags need --autoscale, and the autoscaled replay compares one policy.
std::string check_autoscale_flags(const ReplayFlags& f, const ReplayPlan& plan) {
  const AutoscaleFlags& a = f.autoscale;
  if (a.catalog.empty()) {
    const bool tuned = a.period != AutoscaleFlags{}.period || !a.cooldown.empty() ||
                       !a.min_nodes.empty() || !a.max_nodes.empty() || !a.budget.empty() ||
                       !a.reclaim_rate.empty();
    return tuned ? "--autoscale-period, --cooldown, --min-nodes, --max-nodes, --budget and "
                   "--reclaim-rate need --autoscale CATALOG"
                 : "";
  }
  if (plan.policies.size() != 1) return "--policy: --autoscale takes one policy";
  return {};
}

// Checks every flag and fills `plan`; returns the first problem, naming the flag.
std::string plan_from_flags(const ReplayFlags& f, ReplayPlan* plan) {
  const std::string policies = f.policies.empty() ? std::string(kDefaultPolicyName) : f.policies;
  if (auto e = parse_policies(policies, &plan->policies); !e.empty()) return e;
  if (auto e = parse_int_flag("--seed", f.seed, 0, UINT64_MAX, &plan->options.seed); !e.empty()) {
    return e;
  }
  uint64_t interval = 0;
  constexpr uint64_t kMaxInterval = uint64_t{1} << 40;
  if (auto e = parse_int_flag("--interval", f.interval, 1, kMaxInterval, &interval); !e.empty()) {
    return e;
  }
  plan->options.interval = static_cast<int64_t>(interval);
  plan->options.backfill = !f.no_backfill;
  plan->options.compress = f.compress;
  plan->options.preemptible = f.preemptible;
  if (!f.accounts.empty()) {
    if (Status s = read_accounts(f.accounts, &plan->options.accounts); !s.is_ok()) {
      return "--accounts: " + s.message();
    }
    if (!f.autoscale.catalog.empty()) return "--accounts: not with --autoscale";
  }
  if (auto e = check_format(f.format); !e.empty()) return e;
  if (auto e = check_autoscale_flags(f, *plan); !e.empty()) return e;
  trace_paths(f.nodes, f.pods, &plan->nodes_path, &plan->pods_path);
  return {};
}

// Reads the trace and refuses a pod list without times, naming the file.
std::string load_trace(const ReplayPlan& plan, std::vector<NodeSpec>* nodes,
                       std::vector<Task>* tasks) {
  if (Status s = read_trace(plan.nodes_path, plan.pods_path, nodes, tasks); !s.is_ok()) {
    return s.message();
  }
  if (!tasks->empty() && tasks->front().creation_time < 0) {
    return "--pods: " + plan.pods_path +
           " has no creation/deletion times (the 5-column form); replay needs the 11-column "
           "pod list";
  }
  return {};
}

// Gives each task a project of `accounts` by a hash of its name (FNV-1a): a stable, even split.
std::vector<int32_t> projects_by_name_hash(const std::vector<Task>& tasks,
                                           const Accounts& accounts) {
  std::vector<int32_t> projects;
  projects.reserve(tasks.size());
  for (const Task& task : tasks) {
    uint64_t hash = 14695981039346656037ull;
    for (unsigned char c : task.name) hash = (hash ^ c) * 1099511628211ull;
    projects.push_back(static_cast<int32_t>(hash % accounts.projects.size()));
  }
  return projects;
}

std::string run_all(const ReplayPlan& plan, const std::vector<NodeSpec>& nodes,
                    const std::vector<Task>& tasks, std::vector<ReplayRun>* runs) {
  for (const std::string& policy : plan.policies) {
    ReplayOptions options = plan.options;
    options.policy = policy;
    if (options.accounts.projects.size() > 1) {
      options.project_of_task = projects_by_name_hash(tasks, options.accounts);
    }
    ReplayRun run;
    if (Status s = run_replay(nodes, tasks, options, &run); !s.is_ok()) return s.message();
    runs->push_back(std::move(run));
  }
  return {};
}

std::string render(const std::string& format, const std::vector<ReplayRun>& runs) {
  if (format == "json") return replay_json(runs);
  if (format == "csv") return replay_csv(runs);
  return replay_table(runs);
}

// The autoscaled replay: prints in --format and writes autoscale.{json,csv,txt} under --out.
template <typename Fail>
int run_autoscaled(const ReplayFlags& f, const ReplayPlan& plan, const std::vector<NodeSpec>& nodes,
                   const std::vector<Task>& tasks, Fail fail) {
  ReplayOptions options = plan.options;
  options.policy = plan.policies.front();
  AutoscaleOutput out;
  if (auto e = run_autoscale_flags(f.autoscale, options, nodes, tasks, &out); !e.empty()) {
    return fail(e);
  }
  std::cout << (f.format == "json" ? out.json : f.format == "csv" ? out.csv : out.table);
  if (f.out_dir.empty()) return 0;
  if (auto e = write_output_files(
          f.out_dir,
          {{"autoscale.json", out.json}, {"autoscale.csv", out.csv}, {"autoscale.txt", out.table}});
      !e.empty()) {
    return fail(e);
  }
  return 0;
}

int run_replay_command(const ReplayFlags& f) {
  auto fail = [](const std::string& msg) {
    std::cerr << "fastgpu sim replay: " << msg << "\n";
    return 2;
  };
  ReplayPlan plan;
  if (auto e = plan_from_flags(f, &plan); !e.empty()) return fail(e);
  std::vector<NodeSpec> nodes;
  std::vector<Task> tasks;
  if (auto e = load_trace(plan, &nodes, &tasks); !e.empty()) return fail(e);
  if (!f.autoscale.catalog.empty()) return run_autoscaled(f, plan, nodes, tasks, fail);
  std::vector<ReplayRun> runs;
  if (auto e = run_all(plan, nodes, tasks, &runs); !e.empty()) return fail(e);
  std::cout << render(f.format, runs);
  if (!f.out_dir.empty()) {
    if (auto e = write_output_files(f.out_dir, {{"replay.json", replay_json(runs)},
                                                {"replay.csv", replay_csv(runs)},
                                                {"replay.txt", replay_table(runs)}});
        !e.empty()) {
      return fail(e);
    }
  }
  return 0;
}

}  // namespace

void add_sim_replay_command(CLI::App& sim) {
  auto flags = std::make_shared<ReplayFlags>();
  CLI::App* cmd =
      sim.add_subcommand("replay", "Replay a trace with arrivals, departures and a queue");
  cmd->add_option("--nodes", flags->nodes, "node list CSV (default: the openb GPU nodes)");
  cmd->add_option("--pods", flags->pods,
                  "pod list CSV with times, 11 columns (default: openb_pod_list_default)");
  cmd->add_option("--policy", flags->policies,
                  "policies, comma-separated (default: fgd-balanced, ours)");
  cmd->add_option("--seed", flags->seed, "seed of the engine's tie-break")->capture_default_str();
  cmd->add_option("--interval", flags->interval, "seconds between samples of the series")
      ->capture_default_str();
  cmd->add_flag("--no-backfill", flags->no_backfill,
                "strict FIFO: the queue's head blocks the tasks behind it");
  cmd->add_option("--compress", flags->compress,
                  "bring arrivals this many times closer together (durations kept), to load "
                  "the queue")
      ->check(CLI::Range(1.0, 1e9))
      ->capture_default_str();
  cmd->add_option("--accounts", flags->accounts,
                  "projects and shares (TOML, as fastgpud --accounts): tasks go to its projects "
                  "by a hash of their names, and share the cluster by weight");
  cmd->add_flag("--preemptible", flags->preemptible,
                "trace tasks are preemptible: projects below their share reclaim GPUs from "
                "projects above theirs (a reclaimed task runs again from the start)");
  cmd->add_option("--format", flags->format, "table, json or csv")->capture_default_str();
  cmd->add_option("--out", flags->out_dir,
                  "also write replay.{json,csv,txt} (autoscale.* with --autoscale) here");
  add_autoscale_flags(cmd, &flags->autoscale);
  cmd->callback([flags] {
    if (int rc = run_replay_command(*flags); rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace fastgpu::cli
