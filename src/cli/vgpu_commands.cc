// `fastgpu vgpu create | ls | rm`, `fastgpu gpus` and `fastgpu nodes`.

#include <iostream>

#include "cli/client_flags.h"
#include "cli/client_tables.h"
#include "cli/commands.h"

namespace fastgpu::cli {
namespace {

void print_vgpus(const ClientFlags& flags, const nlohmann::json& vgpus) {
  if (flags.print_json(vgpus)) return;
  std::vector<std::vector<std::string>> rows;
  for (const nlohmann::json& v : vgpus) {
    rows.push_back({cell(v["id"]), cell(v["state"]), cell(v["tflops"]), cell(v["gpu"]),
                    cell(v["memory_bytes"]), cell(v["gpu_index"]), cell(v["owner"])});
  }
  print_table({"ID", "STATE", "TFLOPS", "SHARE", "MEMORY", "GPU", "OWNER"}, rows);
}

void add_create(CLI::App& vgpu) {
  auto flags = std::make_shared<ClientFlags>();
  auto tflops = std::make_shared<std::optional<double>>();
  auto gpu = std::make_shared<std::optional<double>>();
  auto memory = std::make_shared<std::string>();
  CLI::App* cmd = vgpu.add_subcommand("create", "Reserve a slice of one GPU");
  add_client_flags(*cmd, flags.get());
  cmd->add_option("--tflops", *tflops, "compute in TFLOPS");
  cmd->add_option("--gpu", *gpu, "fraction of one GPU");
  cmd->add_option("--mem", *memory, "GPU memory, e.g. 16GiB");
  cmd->callback([=] {
    run_or_exit([&] {
      nlohmann::json body = nlohmann::json::object();
      if (*tflops) body["tflops"] = **tflops;
      if (*gpu) body["gpu"] = **gpu;
      if (!memory->empty()) body["memory"] = *memory;
      print_vgpus(*flags,
                  nlohmann::json::array({flags->client().request("POST", "/v1/vgpus", body)}));
    });
  });
}

void add_ls(CLI::App& vgpu) {
  auto flags = std::make_shared<ClientFlags>();
  CLI::App* cmd = vgpu.add_subcommand("ls", "List vGPUs");
  add_client_flags(*cmd, flags.get());
  cmd->callback([flags] {
    run_or_exit([&] { print_vgpus(*flags, flags->client().request("GET", "/v1/vgpus")["vgpus"]); });
  });
}

void add_rm(CLI::App& vgpu) {
  auto flags = std::make_shared<ClientFlags>();
  auto ids = std::make_shared<std::vector<int64_t>>();
  auto force = std::make_shared<bool>(false);
  CLI::App* cmd = vgpu.add_subcommand("rm", "Delete vGPUs");
  add_client_flags(*cmd, flags.get());
  cmd->add_option("id", *ids, "vGPU ids")->required();
  cmd->add_flag("--force", *force, "cancel their unfinished tasks");
  cmd->callback([=] {
    run_or_exit([&] {
      const Client client = flags->client();
      const std::map<std::string, std::string> query =
          *force ? std::map<std::string, std::string>{{"force", "true"}}
                 : std::map<std::string, std::string>{};
      for (int64_t id : *ids) {
        client.request("DELETE", "/v1/vgpus/" + std::to_string(id), nullptr, query);
        std::cout << "vgpu " << id << " deleted\n";
      }
    });
  });
}

}  // namespace

void add_vgpu_commands(CLI::App& app) {
  CLI::App* vgpu = app.add_subcommand("vgpu", "Virtual GPUs: create, ls, rm");
  vgpu->require_subcommand(1);
  add_create(*vgpu);
  add_ls(*vgpu);
  add_rm(*vgpu);
  add_listing(app, "gpus", "The pool's GPUs with their allocation", "/v1/gpus",
              [](const nlohmann::json& answer) { print_gpus(answer["gpus"]); });
  add_listing(app, "nodes", "The pool's nodes: this host's GPU groups and agents' hosts",
              "/v1/nodes", [](const nlohmann::json& answer) { print_nodes(answer["nodes"]); });
}

}  // namespace fastgpu::cli
