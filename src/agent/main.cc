// fastgpu-agent: the node agent of a multi-host pool (docs/ARCHITECTURE.md, "Agents").

#include <csignal>
#include <cstdio>
#include <thread>

#include "agent/agent_options.h"
#include "agent/node_agent.h"
#include "runtime/descriptor_limit.h"
#include "runtime/inventory_factory.h"
#include "runtime/stop_signals.h"

namespace fastgpu {
namespace {

int fail(const std::string& message) {
  std::fprintf(stderr, "fastgpu-agent: %s\n", message.c_str());
  return 1;
}

int run(AgentOptions options) {
  if (Status s = complete_agent_options(&options); !s.is_ok()) return fail(s.message());
  raise_descriptor_limit();
  NodeAgent::Options agent;
  if (!options.join_token_file.empty()) {
    if (Status s = read_join_token(options.join_token_file, &agent.join_token); !s.is_ok()) {
      return fail(s.message());
    }
  }
  agent.ca_file = options.ca_file;
  std::unique_ptr<GpuInventory> inventory;
  std::string note;
  if (Status s = open_gpu_inventory(options.simulate_gpus,
                                    simulated_host_key("agent", options.name), &inventory, &note);
      !s.is_ok()) {
    return fail(s.message());
  }
  std::fprintf(stderr, "fastgpu-agent: %s\n", note.c_str());
  std::vector<GpuDevice> devices;
  if (Status s = inventory->discover(&devices); !s.is_ok()) return fail(s.message());
  if (!options.simulated_gpu_nodes.empty()) {
    if (Status s = name_simulated_nodes(options.simulated_gpu_nodes, &devices); !s.is_ok()) {
      return fail(s.message());
    }
  }
  agent.server = options.server;
  agent.name = options.name;
  agent.work_dir = options.work_dir;
  agent.vgpu_library = options.vgpu_library;
  if (Status s = TaskSandbox::options_for("fastgpu-agent", options.work_dir, &agent.sandbox);
      !s.is_ok()) {
    return fail(s.message());
  }
  agent.sandbox.gpus = devices;

  const int64_t cpu_milli = int64_t{1000} * std::max(1u, std::thread::hardware_concurrency());
  NodeAgent node(std::move(agent), std::move(devices), cpu_milli);
  std::fprintf(stderr, "fastgpu-agent: confinement: %s\n", node.confinement().c_str());
  if (const int cleared = node.clear_left_over(); cleared > 0) {
    std::fprintf(stderr, "fastgpu-agent: cleared %d task sandbox(es) of an earlier run\n", cleared);
  }
  // SIGINT and SIGTERM stop the agent, which then kills its tasks; SIGHUP (a closed terminal)
  // does nothing: it has no configuration to reread.
  std::thread signals([&node] {
    while (wait_for_control_signal() == SIGHUP) {
    }
    node.stop();
  });
  signals.detach();
  node.run();
  return 0;
}

}  // namespace
}  // namespace fastgpu

int main(int argc, char** argv) {
  fastgpu::block_control_signals();
  CLI::App app{"fastgpu-agent: runs fastgpud's tasks on this GPU host"};
  fastgpu::AgentOptions options;
  fastgpu::add_agent_flags(app, &options);
  CLI11_PARSE(app, argc, argv);
  return fastgpu::run(std::move(options));
}
