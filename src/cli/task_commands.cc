// `fastgpu submit | ps | show | logs | cancel | wait`: tasks on fastgpud.

#include <unistd.h>

#include <algorithm>
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
  bool preemptible = false;
};

std::string task_path(int64_t id) { return "/v1/tasks/" + std::to_string(id); }

bool succeeded(const nlohmann::json& task) { return task["state"] == "succeeded"; }

// "task 3 failed: could not start: ...": the state, and the failure reason when there is one.
void print_task_line(const nlohmann::json& task) {
  std::cout << "task " << cell(task["id"]) << " " << cell(task["state"]);
  const auto reason = task.find("failure_reason");
  if (reason != task.end() && reason->is_string() && !reason->get<std::string>().empty()) {
    std::cout << ": " << reason->get<std::string>();
  }
  std::cout << "\n";
}

// A task record for people, one "key: value" line per field, times in ISO-8601 UTC.
void print_task_fields(const nlohmann::json& task) {
  for (const auto& [key, value] : task.items()) {
    const bool time = key.ends_with("_at") && value.is_number();
    std::cout << key << ": " << (time ? format_time(value.get<double>()) : cell(value)) << "\n";
  }
}

void submit(const SubmitFlags& f) {
  Task task = Task::command(f.command);
  if (f.gpu) task.gpu(*f.gpu);
  if (f.tflops) task.tflops(*f.tflops);
  if (f.gpus) task.gpus(*f.gpus);
  if (f.priority) task.priority(*f.priority);
  if (f.preemptible) task.preemptible();
  if (!f.memory.empty()) task.memory(f.memory);
  if (!f.name.empty()) task.name(f.name);
  Client client = f.client.client();
  task.submit(f.vgpu.value_or(0), &client);
  if (f.wait) task.wait();
  if (!f.client.print_json(task.record())) print_task_line(task.record());
  if (f.wait && !succeeded(task.record())) std::exit(1);
}

void add_submit(CLI::App& app) {
  auto flags = std::make_shared<SubmitFlags>();
  CLI::App* cmd =
      app.add_subcommand("submit", "Submit a command: fastgpu submit [flags] -- CMD...");
  add_client_flags(*cmd, &flags->client);
  cmd->add_option("--gpu", flags->gpu, "fraction of one GPU, (0, 1]")->check(positive_number());
  cmd->add_option("--tflops", flags->tflops, "compute in TFLOPS")->check(positive_number());
  cmd->add_option("--gpus", flags->gpus, "whole GPUs")->check(positive_number(true));
  cmd->add_option("--mem", flags->memory, "GPU memory, e.g. 16GiB");
  cmd->add_option("--priority", flags->priority, "higher runs first");
  cmd->add_option("--vgpu", flags->vgpu, "the vGPU to run in");
  cmd->add_flag("--preemptible", flags->preemptible,
                "projects below their fair share may stop it to reclaim its GPUs (it queues "
                "again)");
  cmd->add_option("--name", flags->name, "a name");
  cmd->add_flag("--wait", flags->wait,
                "wait until it finishes (exit 1 unless it succeeded, with the failure reason)");
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

// A subcommand taking task ids, doing `action` on each and printing its answers (for_each_id).
// With `need_success`, it exits 1 unless every answer is a task that succeeded.
void add_per_task(CLI::App& app, const std::string& name, const std::string& help,
                  const IdAction& action, IdPrinter print, bool need_success = false) {
  auto flags = std::make_shared<ClientFlags>();
  auto ids = std::make_shared<std::vector<int64_t>>();
  CLI::App* cmd = app.add_subcommand(name, help);
  add_client_flags(*cmd, flags.get());
  cmd->add_option("id", *ids, "task ids")->required();
  cmd->callback([=] {
    run_or_exit([&] {
      const std::vector<nlohmann::json> tasks = for_each_id(*flags, *ids, action, print);
      if (need_success && !std::all_of(tasks.begin(), tasks.end(), succeeded)) std::exit(1);
    });
  });
}

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

struct LogsFlags {
  ClientFlags client;
  int64_t id = 0;
  bool follow = false;
  bool stderr_stream = false;
};

// Prints a task's stdout or stderr as it is read; with -f, until the task has ended. With -o
// json, prints one object {"id", "stream", "text"} at the end instead.
void logs(const LogsFlags& f) {
  const Client client = f.client.client();
  const std::string stream = f.stderr_stream ? "stderr" : "stdout";
  std::string all;  // kept for -o json only
  size_t offset = 0;
  for (bool more = true; more;) {
    // Checked before reading, so that output written just before the end is still read.
    more = f.follow && !is_final(client.request("GET", task_path(f.id)));
    // The long poll stays under the SDK's 5-second read timeout for text answers.
    const std::string text =
        client.request_text(task_path(f.id) + "/logs", {{"stream", stream},
                                                        {"offset", std::to_string(offset)},
                                                        {"follow", more ? "true" : "false"},
                                                        {"timeout", "4"}});
    if (f.client.json()) {
      all += text;
    } else {
      std::cout << text << std::flush;
    }
    offset += text.size();
  }
  f.client.print_json({{"id", f.id}, {"stream", stream}, {"text", all}});
}

// `fastgpu logs [-f] [--stderr] ID`: the task's stdout (or stderr).
void add_logs(CLI::App& app) {
  auto flags = std::make_shared<LogsFlags>();
  CLI::App* cmd = app.add_subcommand("logs", "Print a task's stdout or stderr (-f: follow it)");
  add_client_flags(*cmd, &flags->client);
  cmd->add_option("id", flags->id, "task id")->required();
  cmd->add_flag("-f,--follow", flags->follow, "keep printing while the task runs");
  cmd->add_flag("--stderr", flags->stderr_stream, "the task's stderr instead of its stdout");
  cmd->callback([flags] { run_or_exit([&] { logs(*flags); }); });
}

}  // namespace

void add_task_commands(CLI::App& app) {
  add_submit(app);
  add_ps(app);
  add_per_task(
      app, "show", "Show tasks",
      [](const Client& c, int64_t id) { return c.request("GET", task_path(id)); },
      print_task_fields);
  add_logs(app);
  add_per_task(
      app, "cancel", "Cancel tasks",
      [](const Client& c, int64_t id) { return c.request("POST", task_path(id) + "/cancel"); },
      print_task_line);
  add_per_task(app, "wait",
               "Wait for tasks to finish (exit 1 unless all succeeded; a progress line on a "
               "terminal)",
               wait_with_progress, print_task_line, true);
}

}  // namespace fastgpu::cli
