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

void draw_frame(const TopFlags& f) {
  const Client client = f.client.client();
  const nlohmann::json gpus = client.request("GET", "/v1/gpus")["gpus"];
  const nlohmann::json running =
      client.request("GET", "/v1/tasks", nullptr, {{"state", "running"}, {"limit", "20"}})["tasks"];
  if (!f.once) std::cout << "\x1b[H\x1b[2J";  // home and clear
  std::cout << "fastgpu top - " << client.url() << " - pending "
            << count_in_state(client, "pending") << ", running "
            << count_in_state(client, "running") << "\n\n";
  print_gpus(gpus);
  std::cout << "\n";
  print_tasks(f.client, running);
  std::cout << std::flush;
}

}  // namespace

void add_top_command(CLI::App& app) {
  auto flags = std::make_shared<TopFlags>();
  CLI::App* cmd = app.add_subcommand("top", "A live view of the GPUs and running tasks");
  add_client_flags(*cmd, &flags->client);
  cmd->add_option("--interval", flags->interval, "seconds between redraws")
      ->check(CLI::Range(0.1, 3600.0));
  cmd->add_flag("--once", flags->once, "print one frame and exit (for scripts)");
  cmd->callback([flags] {
    run_or_exit([&] {
      for (;;) {
        draw_frame(*flags);
        if (flags->once) return;
        std::this_thread::sleep_for(std::chrono::duration<double>(flags->interval));
      }
    });
  });
}

}  // namespace fastgpu::cli
