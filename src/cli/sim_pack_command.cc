// `fastgpu sim pack`: the FGD paper's packing experiment over policies × seeds.

#include <atomic>
#include <cmath>
#include <iostream>
#include <thread>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "sched/policy_registry.h"
#include "sim/pack_experiment.h"
#include "sim/pack_report.h"
#include "sim/trace_reader.h"

namespace fastgpu::cli {
namespace {

struct PackFlags {
  std::string nodes, pods, policies, seeds = "42", format = "table", out_dir, plot;
  double inflate = 1.3;
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
};

// Runs every (policy, seed) pair on `jobs` threads; results keep the order of the flags.
std::string run_all(const std::vector<NodeSpec>& nodes, const std::vector<Task>& tasks,
                    const std::vector<std::string>& policies, const std::vector<uint64_t>& seeds,
                    int inflate_percent, unsigned jobs, std::vector<PolicyRuns>* results) {
  const size_t total = policies.size() * seeds.size();
  std::vector<PackRun> runs(total);
  std::vector<std::string> errors(total);
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < total; i = next++) {
      PackOptions opt{policies[i / seeds.size()], seeds[i % seeds.size()], inflate_percent};
      if (Status s = run_pack(nodes, tasks, opt, &runs[i]); !s.is_ok()) errors[i] = s.message();
    }
  };
  {
    std::vector<std::jthread> pool;
    for (unsigned j = 0; j < std::min<size_t>(jobs, total); ++j) pool.emplace_back(worker);
  }
  for (const std::string& e : errors) {
    if (!e.empty()) return e;
  }
  results->clear();
  for (size_t p = 0; p < policies.size(); ++p) {
    PolicyRuns pr{policies[p], {}};
    for (size_t s = 0; s < seeds.size(); ++s)
      pr.runs.push_back(std::move(runs[p * seeds.size() + s]));
    results->push_back(std::move(pr));
  }
  return {};
}

int run_pack_command(const PackFlags& f) {
  auto fail = [](const std::string& msg) {
    std::cerr << "fastgpu sim pack: " << msg << "\n";
    return 2;
  };
  std::vector<uint64_t> seeds;
  std::vector<std::string> policies;
  if (auto e = parse_seeds(f.seeds, &seeds); !e.empty()) return fail(e);
  if (auto e = parse_policies(f.policies.empty() ? std::string(kDefaultPolicyName) : f.policies,
                              &policies);
      !e.empty()) {
    return fail(e);
  }
  const double inflate_percent = std::round(f.inflate * 100.0);
  if (!(inflate_percent >= 1 && inflate_percent <= 1000) ||
      std::fabs(f.inflate * 100.0 - inflate_percent) > 1e-6) {
    return fail("--inflate must be within 0.01..10 in steps of 0.01");
  }
  if (auto e = check_format(f.format); !e.empty()) return fail(e);
  std::vector<NodeSpec> nodes;
  std::vector<Task> tasks;
  std::string nodes_path, pods_path;
  trace_paths(f.nodes, f.pods, &nodes_path, &pods_path);
  if (Status s = read_trace(nodes_path, pods_path, &nodes, &tasks); !s.is_ok()) {
    return fail(s.message());
  }
  std::vector<PolicyRuns> results;
  if (auto e = run_all(nodes, tasks, policies, seeds, static_cast<int>(inflate_percent), f.jobs,
                       &results);
      !e.empty()) {
    return fail(e);
  }
  double gpus = 0;
  for (const NodeSpec& n : nodes) gpus += n.num_gpus;
  if (f.format == "json") std::cout << pack_json(results);
  if (f.format == "csv") std::cout << pack_csv(results);
  if (f.format == "table") std::cout << pack_table(results, gpus);
  if (!f.out_dir.empty()) {
    if (auto e = write_output_files(f.out_dir, {{"pack.json", pack_json(results)},
                                                {"pack.csv", pack_csv(results)},
                                                {"pack.txt", pack_table(results, gpus)}});
        !e.empty()) {
      return fail(e);
    }
  }
  if (!f.plot.empty()) {
    if (auto e = write_text_file(f.plot, pack_svg(results)); !e.empty())
      return fail("--plot: " + e);
  }
  return 0;
}

}  // namespace

void add_sim_pack_command(CLI::App& sim) {
  auto flags = std::make_shared<PackFlags>();
  CLI::App* cmd = sim.add_subcommand(
      "pack", "Packing experiment of the FGD paper: arrivals only, allocation per 1% arrived");
  cmd->add_option("--nodes", flags->nodes, "node list CSV (default: the openb GPU nodes)");
  cmd->add_option("--pods", flags->pods, "pod list CSV (default: openb_pod_list_default)");
  cmd->add_option("--policy", flags->policies,
                  "policies, comma-separated (default: fgd-balanced, ours)");
  cmd->add_option("--seeds", flags->seeds, "seeds: 42-51 or 1,2,3")->capture_default_str();
  cmd->add_option("--inflate", flags->inflate, "arrived GPU demand to stop at, × capacity")
      ->capture_default_str();
  cmd->add_option("--format", flags->format, "table, json or csv")->capture_default_str();
  cmd->add_option("--out", flags->out_dir, "also write pack.json, pack.csv, pack.txt here");
  cmd->add_option("--plot", flags->plot, "write an SVG chart of allocation to this file");
  cmd->add_option("--jobs", flags->jobs, "runs in parallel (each run is single-threaded)")
      ->check(CLI::Range(1u, 256u));
  cmd->callback([flags] {
    if (int rc = run_pack_command(*flags); rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace fastgpu::cli
