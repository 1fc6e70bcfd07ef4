// `fastgpu submit | ps | show | logs | cancel | wait`: tasks on fastgpud.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "cli/client_flags.h"
#include "cli/client_tables.h"
#include "cli/commands.h"
#include "fastgpu/task.h"

namespace fastgpu::cli {
namespace {

struct SubmitFlags {
  ClientFlags client;
  std::vector<std::string> command;
  std::optional<double> gpu, tflops;
  std::optional<int> gpus, priority;
  std::optional<int64_t> vgpu;
  std::string memory, name;
  bool wait = false;
};

void submit(const SubmitFlags& f) {
  Task task = Task::command(f.command);
  if (f.gpu) task.gpu(*f.gpu);
  if (f.tflops) task.tflops(*f.tflops);
  if (f.gpus) task.gpus(*f.gpus);
  if (f.priority) task.priority(*f.priority);
  if (!f.memory.empty()) task.memory(f.memory);
  if (!f.name.empty()) task.name(f.name);
  Client client = f.client.client();
  task.submit(f.vgpu.value_or(0), &client);
  if (f.wait) task.wait();
  if (!f.client.print_json(task.record())) {
    std::cout << "task " << task.id() << " " << cell(task.record()["state"]) << "\n";
  }
  if (f.wait && task.record()["state"] != "succeeded") std::exit(1);
}

void add_submit(CLI::App& app) {
  auto flags = std::make_shared<SubmitFlags>();
  CLI::App* cmd =
      app.add_subcommand("submit", "Submit a command: fastgpu submit [flags] -- CMD...");
  add_client_flags(*cmd, &flags->client);
  cmd->add_option("--gpu", flags->gpu, "fraction of one GPU, (0, 1]");
  cmd->add_option("--tflops", flags->tflops, "compute in TFLOPS");
  cmd->add_option("--gpus", flags->gpus, "whole GPUs");
  cmd->add_option("--mem", flags->memory, "GPU memory, e.g. 16GiB");
  cmd->add_option("--priority", flags->priority, "higher runs first");
  cmd->add_option("--vgpu", flags->vgpu, "the vGPU to run in");
  cmd->add_option("--name", flags->name, "a name");
  cmd->add_flag("--wait", flags->wait, "wait until it finishes (exit 1 unless it succeeded)");
  cmd->add_option("command", flags->command, "the program and its arguments")->required();
  cmd->callback([flags] { run_or_exit([&] { submit(*flags); }); });
}

void add_ps(CLI::App& app) {
  auto flags = std::make_shared<ClientFlags>();
  auto state = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("ps", "List tasks");
  add_client_flags(*cmd, flags.get());
  cmd->add_option("--state", *state, "only tasks in this state");
  cmd->callback([flags, state] {
    run_or_exit([&] {
      std::map<std::string, std::string> query = {{"limit", "1000"}};
      if (!state->empty()) query["state"] = *state;
      print_tasks(*flags, flags->client().request("GET", "/v1/tasks", nullptr, query)["tasks"]);
    });
  });
}

// A subcommand taking task ids and doing `action` on each.
void add_per_task(CLI::App& app, const std::string& name, const std::string& help,
                  std::function<void(const Client&, const ClientFlags&, int64_t)> action) {
  auto flags = std::make_shared<ClientFlags>();
  auto ids = std::make_shared<std::vector<int64_t>>();
  CLI::App* cmd = app.add_subcommand(name, help);
  add_client_flags(*cmd, flags.get());
  cmd->add_option("id", *ids, "task ids")->required();
  cmd->callback([flags, ids, action] {
    run_or_exit([&] {
      const Client client = flags->client();
      for (int64_t id : *ids) action(client, *flags, id);
    });
  });
}

std::string task_path(int64_t id) { return "/v1/tasks/" + std::to_string(id); }

// Waits for task `id` to end. On a terminal, a line on stderr shows its state and how long it
// has been waiting, redrawn every second; elsewhere it long-polls quietly.
nlohmann::json wait_with_progress(const Client& c, int64_t id) {
  const bool terminal = isatty(STDERR_FILENO) == 1;
  const auto start = std::chrono::steady_clock::now();
  const std::map<std::string, std::string> query = {{"timeout", terminal ? "1" : "30"}};
  nlohmann::json task;
  for (;;) {
    task = c.request("GET", task_path(id) + "/wait", nullptr, query, 90);
    if (terminal) {
      const auto waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start);
      std::fprintf(stderr, "\r\x1b[Ktask %lld %s  %.0fs", static_cast<long long>(id),
                   cell(task["state"]).c_str(), waited.count());
    }
    if (is_final(task)) break;
  }
  if (terminal) std::fprintf(stderr, "\r\x1b[K");
  return task;
}

// `fastgpu logs [-f] ID`: the task's stdout; with -f, it follows until the task ends.
void add_logs(CLI::App& app) {
  auto flags = std::make_shared<ClientFlags>();
  auto id = std::make_shared<int64_t>(0);
  auto follow = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("logs", "Print a task's stdout (-f: follow it)");
  add_client_flags(*cmd, flags.get());
  cmd->add_option("id", *id, "task id")->required();
  cmd->add_flag("-f,--follow", *follow, "keep printing while the task runs");
  cmd->callback([flags, id, follow] {
    run_or_exit([&] {
      const Client client = flags->client();
      size_t offset = 0;
      for (bool more = true; more;) {
        // Checked before reading, so that output written just before the end is still read.
        more = *follow && !is_final(client.request("GET", task_path(*id)));
        const std::string text =
            client.request_text(task_path(*id) + "/logs", {{"offset", std::to_string(offset)},
                                                           {"follow", more ? "true" : "false"},
                                                           {"timeout", "10"}});
        std::cout << text << std::flush;
        offset += text.size();
      }
    });
  });
}

}  // namespace

void add_task_commands(CLI::App& app) {
  add_submit(app);
  add_ps(app);
  add_per_task(app, "show", "Show tasks", [](const Client& c, const ClientFlags& f, int64_t id) {
    const nlohmann::json task = c.request("GET", task_path(id));
    if (f.print_json(task)) return;
    for (const auto& [key, value] : task.items()) std::cout << key << ": " << cell(value) << "\n";
  });
  add_logs(app);
  add_per_task(app, "cancel", "Cancel tasks", [](const Client& c, const ClientFlags&, int64_t id) {
    const nlohmann::json task = c.request("POST", task_path(id) + "/cancel");
    std::cout << "task " << id << " " << cell(task["state"]) << "\n";
  });
  add_per_task(app, "wait", "Wait for tasks to finish (a progress line on a terminal)",
               [](const Client& c, const ClientFlags&, int64_t id) {
                 const nlohmann::json task = wait_with_progress(c, id);
                 std::cout << "task " << id << " " << cell(task["state"]) << "\n";
               });
}

}  // namespace fastgpu::cli
