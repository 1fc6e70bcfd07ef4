#include "cli/client_tables.h"

#include <chrono>
#include <cstdio>
#include <iostream>

namespace fastgpu::cli {

void print_tasks(const ClientFlags& flags, const nlohmann::json& tasks) {
  if (flags.print_json(tasks)) return;
  std::vector<std::vector<std::string>> rows;
  for (const nlohmann::json& t : tasks) {
    const nlohmann::json& r = t["resources"];
    std::string command;
    if (t["kind"] == "synthetic") command = "synthetic " + cell(t["seconds"]) + "s";
    for (const nlohmann::json& arg : t["argv"]) {
      if (!command.empty()) command += ' ';
      command += cell(arg);
    }
    rows.push_back({cell(t["id"]), cell(t["state"]), cell(t["vgpu"]), cell(r["gpus"]),
                    cell(r["gpu"]), cell(r["tflops"]), cell(t["priority"]), cell(t["name"]),
                    command.substr(0, 40)});
  }
  print_table({"ID", "STATE", "VGPU", "GPUS", "SHARE", "TFLOPS", "PRIO", "NAME", "COMMAND"}, rows);
}

void print_gpus(const nlohmann::json& gpus) {
  std::vector<std::vector<std::string>> rows;
  for (const nlohmann::json& g : gpus) {
    const int64_t total_mib = g["memory_bytes"].get<int64_t>() >> 20;
    const int64_t used_mib = g["memory_used_bytes"].get<int64_t>() >> 20;
    rows.push_back({cell(g["index"]), cell(g["model"]) + (g["simulated"] == true ? " (sim)" : ""),
                    std::to_string(used_mib) + " / " + std::to_string(total_mib) + " MiB",
                    cell(g["utilization_percent"]) + "%",
                    cell(g["allocated_milli"].get<int>() / 1000.0), cell(g["vgpus"])});
  }
  print_table({"GPU", "MODEL", "MEMORY", "UTIL", "ALLOCATED", "VGPUS"}, rows);
}

void print_nodes(const nlohmann::json& nodes) {
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::vector<std::vector<std::string>> rows;
  for (const nlohmann::json& n : nodes) {
    const bool agent = !n["host"].is_null();
    char seen[32] = "-";
    if (agent && n["last_heartbeat"].is_number()) {
      std::snprintf(seen, sizeof seen, "%.1fs ago", now - n["last_heartbeat"].get<double>());
    }
    rows.push_back({cell(n["name"]), agent ? cell(n["host"]) : "(this host)",
                    n["ready"] == true ? "ready" : "not ready", seen, cell(n["model"]),
                    cell(n["allocated_gpus"]) + " / " + std::to_string(n["gpu_indices"].size())});
  }
  print_table({"NODE", "HOST", "STATUS", "HEARTBEAT", "MODEL", "GPUS USED"}, rows);
}

}  // namespace fastgpu::cli
