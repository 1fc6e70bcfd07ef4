// `fastgpu sim pack`: the FGD paper's packing experiment over policies × seeds.

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
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
    for (size_t s = 0; s < seeds.size(); ++s) pr.runs.push_back(std::move(runs[p * seeds.size() + s]));
    results->push_back(std::move(pr));
  }
  return {};
}

std::string write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  return out ? std::string() : "cannot write " + path.string();
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
                              &policies); !e.empty()) {
    return fail(e);
  }
  const double inflate_percent = std::round(f.inflate * 100.0);
  if (!(inflate_percent >= 1 && inflate_percent <= 1000) ||
      std::fabs(f.inflate * 100.0 - inflate_percent) > 1e-6) {
    return fail("--inflate must be within 0.01..10 in steps of 0.01");
  }
  if (f.format != "table" && f.format != "json" && f.format != "csv") {
    return fail("--format must be table, json or csv");
  }
  std::vector<NodeSpec> nodes;
  std::vector<Task> tasks;
  const std::string dir = default_trace_dir();
  if (Status s = read_trace(f.nodes.empty() ? dir + "/openb_node_list_gpu_node.csv" : f.nodes,
                            f.pods.empty() ? dir + "/openb_pod_list_default.csv" : f.pods,
                            &nodes, &tasks);
      !s.is_ok()) {
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
    std::error_code ec;
    std::filesystem::create_directories(f.out_dir, ec);
    if (ec) return fail("--out: cannot create " + f.out_dir + ": " + ec.message());
    const std::filesystem::path d(f.out_dir);
    for (auto [name, text] : {std::pair{"pack.json", pack_json(results)},
                              std::pair{"pack.csv", pack_csv(results)},
                              std::pair{"pack.txt", pack_table(results, gpus)}}) {
      if (auto e = write_file(d / name, text); !e.empty()) return fail(e);
    }
  }
  if (!f.plot.empty()) {
    if (auto e = write_file(f.plot, pack_svg(results)); !e.empty()) return fail(e);
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
  cmd->add_option("--policy", flags->policies, "policies, comma-separated (default: ours)");
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
