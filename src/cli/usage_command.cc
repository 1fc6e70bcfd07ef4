// `fastgpu usage`: GPU time, task ends and cost per user and (for admins) per project.

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "cli/client_flags.h"
#include "cli/commands.h"
#include "cli/time_arg.h"

namespace fastgpu::cli {
namespace {

struct UsageFlags {
  ClientFlags client;
  std::string since;  // empty: all the ledger
  std::string user;   // empty: every user the token may see
};

// `value` with `decimals` digits after the point.
std::string fixed(double value, int decimals) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

// "succeeded 3, failed 1" from {"succeeded": 3, "failed": 1}; "-" when empty.
std::string counts(const nlohmann::json& by_name) {
  std::string out;
  for (const auto& [name, count] : by_name.items()) {
    out += (out.empty() ? "" : ", ") + name + " " + cell(count);
  }
  return out.empty() ? "-" : out;
}

// The columns every row shows after its names.
std::vector<std::string> usage_cells(const nlohmann::json& row) {
  return {fixed(row["gpu_seconds"].get<double>() / 3600, 4), counts(row["task_ends"]),
          cell(row["vgpus_ended"]), fixed(row["cost"].get<double>(), 2)};
}

void print_usage(const nlohmann::json& answer) {
  std::printf("usage from %s to %s\n\n", format_time(answer["since"].get<double>()).c_str(),
              format_time(answer["until"].get<double>()).c_str());
  std::vector<std::vector<std::string>> rows;
  for (const nlohmann::json& u : answer["users"]) {
    std::vector<std::string> row = {cell(u["user"]), cell(u["project"])};
    for (std::string& c : usage_cells(u)) row.push_back(std::move(c));
    rows.push_back(std::move(row));
  }
  print_table({"USER", "PROJECT", "GPU-HOURS", "TASK ENDS", "VGPUS", "COST"}, rows);
  if (!answer.contains("projects")) return;
  rows.clear();
  for (const nlohmann::json& p : answer["projects"]) {
    std::vector<std::string> row = {cell(p["project"])};
    for (std::string& c : usage_cells(p)) row.push_back(std::move(c));
    rows.push_back(std::move(row));
  }
  std::printf("\n");
  print_table({"PROJECT", "GPU-HOURS", "TASK ENDS", "VGPUS", "COST"}, rows);
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Refuses a --since the daemon would not be asked with, before any request.
CLI::Validator time_arg() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (parse_time_arg(text, now_seconds())) return "";
        return "give an age (90s, 30m, 12h, 7d), a date (2026-12-01), a UTC time "
               "(2026-12-01T10:30:00Z) or seconds since the epoch";
      },
      "TIME");
}

void run_usage(const UsageFlags& f) {
  std::map<std::string, std::string> params;
  if (!f.since.empty()) {
    const double since = parse_time_arg(f.since, now_seconds()).value_or(0);
    params["since"] = std::to_string(static_cast<int64_t>(since));
  }
  if (!f.user.empty()) params["user"] = f.user;
  const nlohmann::json answer = f.client.client().request("GET", "/v1/usage", nullptr, params);
  if (!f.client.print_json(answer)) print_usage(answer);
}

}  // namespace

void add_usage_command(CLI::App& app) {
  auto flags = std::make_shared<UsageFlags>();
  CLI::App* cmd = app.add_subcommand(
      "usage", "GPU time, task ends and cost per user and, for admins, per project");
  add_client_flags(*cmd, &flags->client);
  cmd->add_option("--since", flags->since,
                  "from when: an age (7d, 12h), a date (2026-12-01), a UTC time or epoch seconds "
                  "(default: all)")
      ->check(time_arg());
  cmd->add_option("--user", flags->user, "one user's usage (an admin's choice)");
  cmd->callback([flags] { run_or_exit([&] { run_usage(*flags); }); });
}

}  // namespace fastgpu::cli
