#include "cli/client_tables.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
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
    // As squeue's NODELIST(REASON): why a waiting task waits.
    const nlohmann::json reason = t.value("pending_reason", nlohmann::json());
    rows.push_back({cell(t["id"]), cell(t["state"]), cell(reason), cell(t["vgpu"]), cell(r["gpus"]),
                    cell(r["gpu"]), cell(r["tflops"]), cell(t["priority"]),
                    cell(t.value("project", nlohmann::json())), cell(t["name"]),
                    command.substr(0, 40)});
  }
  print_table({"ID", "STATE", "REASON", "VGPU", "GPUS", "SHARE", "TFLOPS", "PRIO", "PROJECT",
               "NAME", "COMMAND"},
              rows);
}

void print_gpus(const nlohmann::json& gpus) {
  std::vector<std::vector<std::string>> rows;
  for (const nlohmann::json& g : gpus) {
    const int64_t total_mib = g["memory_bytes"].get<int64_t>() >> 20;
    const int64_t used_mib = g["memory_used_bytes"].get<int64_t>() >> 20;
    const nlohmann::json host = g.value("host", nlohmann::json());
    rows.push_back({host.is_null() ? "(this host)" : cell(host), cell(g["index"]),
                    cell(g.value("uuid", nlohmann::json())),
                    cell(g["model"]) + (g["simulated"] == true ? " (sim)" : ""),
                    std::to_string(used_mib) + " / " + std::to_string(total_mib) + " MiB",
                    cell(g["utilization_percent"]) + "%",
                    cell(g["allocated_milli"].get<int>() / 1000.0), cell(g["vgpus"])});
  }
  print_table({"HOST", "GPU", "UUID", "MODEL", "MEMORY", "UTIL", "ALLOCATED", "VGPUS"}, rows);
}

void print_nodes(const nlohmann::json& nodes) {
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const bool typed = std::any_of(nodes.begin(), nodes.end(),
                                 [](const nlohmann::json& n) { return n.contains("type"); });
  std::vector<std::vector<std::string>> rows;
  for (const nlohmann::json& n : nodes) {
    const bool agent = !n["host"].is_null();
    char seen[32] = "-";
    if (agent && n["last_heartbeat"].is_number()) {
      std::snprintf(seen, sizeof seen, "%.1fs ago", now - n["last_heartbeat"].get<double>());
    }
    std::vector<std::string> row = {
        cell(n["name"]),
        agent ? cell(n["host"]) : "(this host)",
        n["ready"] == true ? "ready" : "not ready",
        seen,
        cell(n["model"]),
        cell(n["allocated_gpus"]) + " / " + std::to_string(n["gpu_indices"].size())};
    if (typed) {
      row.push_back(n.contains("type") ? cell(n["type"]) + " (" + cell(n["autoscale_state"]) + ")"
                                       : "-");
    }
    rows.push_back(std::move(row));
  }
  std::vector<std::string> header = {"NODE", "HOST", "STATUS", "HEARTBEAT", "MODEL", "GPUS USED"};
  if (typed) header.push_back("TYPE");
  print_table(header, rows);
}

void print_scale_log(const nlohmann::json& answer) {
  std::vector<std::vector<std::string>> rows;
  for (const nlohmann::json& e : answer["events"]) {
    const auto seconds = static_cast<std::time_t>(e["time"].get<double>());
    char when[32];
    std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", std::gmtime(&seconds));
    rows.push_back({when, cell(e["action"]), cell(e["type"]), cell(e["node"]),
                    e["count"] == 0 ? "-" : cell(e["count"]), cell(e["reason"])});
  }
  print_table({"TIME (UTC)", "ACTION", "TYPE", "NODE", "COUNT", "REASON"}, rows);
}

void print_scale_cost(const nlohmann::json& answer) {
  std::vector<std::vector<std::string>> rows;
  const auto money = [](const nlohmann::json& dollars) {
    char text[32];
    std::snprintf(text, sizeof text, "$%.4f", dollars.get<double>());
    return std::string(text);
  };
  for (const nlohmann::json& t : answer["types"]) {
    rows.push_back({cell(t["type"]), money(t["price_per_hour"]) + "/h", cell(t["node_seconds"]),
                    cell(t["gpu_seconds"]), money(t["cost"])});
  }
  const nlohmann::json& total = answer["total"];
  rows.push_back(
      {"total", "", cell(total["node_seconds"]), cell(total["gpu_seconds"]), money(total["cost"])});
  print_table({"TYPE", "PRICE", "NODE-SECONDS", "GPU-SECONDS", "COST"}, rows);
}

}  // namespace fastgpu::cli
