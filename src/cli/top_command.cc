// `fastgpu top`: a live view of the pool, redrawn every --interval seconds until interrupted:
// the GPUs with their allocation, how many tasks are queued and running, and the running ones.

#include <unistd.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "cli/client_flags.h"
#include "cli/client_tables.h"
#include "cli/commands.h"

namespace fastgpu::cli {
namespace {

struct TopFlags {
  ClientFlags client;
  double interval = 1.0;
  bool once = false;
};

// The number of tasks in `state` (up to the API's page size).
size_t count_in_state(const Client& client, const std::string& state) {
  return client.request("GET", "/v1/tasks", nullptr, {{"state", state}, {"limit", "1000"}})["tasks"]
      .size();
}

// One frame's data: the daemon's URL, the counts of pending and running tasks, the GPUs and
// up to 20 running tasks.
nlohmann::json read_frame(const Client& client) {
  return {{"url", client.url()},
          {"pending", count_in_state(client, "pending")},
          {"running", count_in_state(client, "running")},
          {"gpus", client.request("GET", "/v1/gpus")["gpus"]},
          {"tasks", client.request("GET", "/v1/tasks", nullptr,
                                   {{"state", "running"}, {"limit", "20"}})["tasks"]}};
}

// Draws one frame for people; live, the screen is cleared first.
void draw_frame(const TopFlags& f, const nlohmann::json& frame) {
  if (!f.once) std::cout << "\x1b[H\x1b[2J";  // home and clear
  std::cout << "fastgpu top - " << cell(frame["url"]) << " - pending " << frame["pending"]
            << ", running " << frame["running"] << "\n\n";
  print_gpus(frame["gpus"]);
  std::cout << "\n";
  print_tasks(f.client, frame["tasks"]);
}

// Shows one frame: drawn, or with -o json one document (--once, indented) or one line per
// frame (live, compact, so that a script reads JSON lines).
void show_frame(const TopFlags& f) {
  const nlohmann::json frame = read_frame(f.client.client());
  if (!f.client.json()) {
    draw_frame(f, frame);
  } else if (!f.once) {
    std::cout << json_text(frame) << "\n";
  } else {
    f.client.print_json(frame);
  }
  std::cout << std::flush;
}

}  // namespace

void add_top_command(CLI::App& app) {
  auto flags = std::make_shared<TopFlags>();
  CLI::App* cmd = app.add_subcommand("top", "A live view of the GPUs and running tasks");
  add_client_flags(*cmd, &flags->client);
  cmd->add_option("--interval", flags->interval, "seconds between redraws")
      ->check(positive_number() & CLI::Range(0.1, 3600.0));
  cmd->add_flag("--once", flags->once,
                "print one frame and exit (for scripts; -o json: one document, else JSON lines)");
  cmd->callback([flags] {
    run_or_exit([&] {
      for (;;) {
        show_frame(*flags);
        if (flags->once) return;
        std::this_thread::sleep_for(std::chrono::duration<double>(flags->interval));
      }
    });
  });
}

}  // namespace fastgpu::cli
