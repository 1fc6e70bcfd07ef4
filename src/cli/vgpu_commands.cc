// `fastgpu vgpu create | ls | rm`, `fastgpu gpus` and `fastgpu nodes [rm NAME]`.

#include <cstdio>
#include <iostream>

#include "cli/client_flags.h"
#include "cli/client_tables.h"
#include "cli/commands.h"

namespace fastgpu::cli {
namespace {

// A vGPU's memory for people; 0 (one not yet placed that named none): its share of its GPU's.
std::string vgpu_memory(const nlohmann::json& bytes) {
  if (!bytes.is_number_integer()) return cell(bytes);
  return bytes == 0 ? "share" : format_bytes(bytes.get<int64_t>());
}

void print_vgpus(const nlohmann::json& vgpus) {
  std::vector<std::vector<std::string>> rows;
  for (const nlohmann::json& v : vgpus) {
    rows.push_back({cell(v["id"]), cell(v["state"]), cell(v["tflops"]), cell(v["gpu"]),
                    vgpu_memory(v["memory_bytes"]), cell(v["gpu_index"]), cell(v["owner"])});
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
  cmd->add_option("--tflops", *tflops, "compute in TFLOPS")->check(positive_number());
  cmd->add_option("--gpu", *gpu, "fraction of one GPU")->check(positive_number());
  cmd->add_option("--mem", *memory, "GPU memory, e.g. 16GiB");
  cmd->callback([=] {
    run_or_exit([&] {
      nlohmann::json body = nlohmann::json::object();
      if (*tflops) body["tflops"] = **tflops;
      if (*gpu) body["gpu"] = **gpu;
      if (!memory->empty()) body["memory"] = *memory;
      const nlohmann::json created = flags->client().request("POST", "/v1/vgpus", body);
      if (!flags->print_json(created)) print_vgpus(nlohmann::json::array({created}));
    });
  });
}

// `fastgpu vgpu ls`: a table, or with -o json the array of vGPUs (as `ps` prints tasks).
void add_ls(CLI::App& vgpu) {
  auto flags = std::make_shared<ClientFlags>();
  CLI::App* cmd = vgpu.add_subcommand("ls", "List vGPUs");
  add_client_flags(*cmd, flags.get());
  cmd->callback([flags] {
    run_or_exit([&] {
      const nlohmann::json vgpus = flags->client().request("GET", "/v1/vgpus")["vgpus"];
      if (!flags->print_json(vgpus)) print_vgpus(vgpus);
    });
  });
}

// Deletes vGPU `id`. The server's refusal of a busy vGPU names its query parameter; the CLI's
// says which flag to use instead.
nlohmann::json delete_vgpu(const Client& client, int64_t id, bool force) {
  const std::map<std::string, std::string> query =
      force ? std::map<std::string, std::string>{{"force", "true"}}
            : std::map<std::string, std::string>{};
  try {
    return client.request("DELETE", "/v1/vgpus/" + std::to_string(id), nullptr, query);
  } catch (const Error& e) {
    if (e.status() != 409) throw;
    const std::string fact = e.message().substr(0, e.message().find(';'));
    throw Error(e.status(), e.code(),
                fact + "; wait for them or use `fastgpu vgpu rm --force " + std::to_string(id) +
                    "` to cancel them");
  }
}

void print_deleted(const nlohmann::json& vgpu) {
  std::cout << "vgpu " << cell(vgpu["id"]) << " deleted\n";
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
      const bool forced = *force;
      for_each_id(
          *flags, *ids,
          [forced](const Client& c, int64_t id) { return delete_vgpu(c, id, forced); },
          print_deleted);
    });
  });
}

// `fastgpu nodes rm NAME`: an admin declares an agent's node gone now (its tasks are retried
// elsewhere) and frees its name for a new registration.
void add_node_rm(CLI::App& nodes) {
  auto flags = std::make_shared<ClientFlags>();
  auto name = std::make_shared<std::string>();
  CLI::App* cmd = nodes.add_subcommand("rm",
                                       "Remove an agent's node (admin): its tasks are "
                                       "retried, its name may register again");
  cmd->add_option("NAME", *name, "the agent's name, as `fastgpu nodes` shows it")->required();
  add_client_flags(*cmd, flags.get());
  cmd->callback([flags, name] {
    run_or_exit([&] {
      if (name->find_first_of("/?#% ") != std::string::npos) {
        throw Error(0, "invalid_argument", "NAME \"" + *name + "\": not an agent's name");
      }
      const nlohmann::json answer = flags->client().request("DELETE", "/v1/nodes/" + *name);
      if (flags->print_json(answer)) return;
      std::printf("node %s removed\n", name->c_str());
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
  CLI::App* nodes = add_listing(
      app, "nodes", "The pool's nodes: this host's GPU groups and agents' hosts; nodes rm NAME",
      "/v1/nodes", [](const nlohmann::json& answer) { print_nodes(answer["nodes"]); });
  add_node_rm(*nodes);
}

}  // namespace fastgpu::cli
