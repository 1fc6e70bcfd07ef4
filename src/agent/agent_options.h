#pragma once
// fastgpu-agent's command line.

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "core/status.h"

namespace fastgpu {

/// Everything fastgpu-agent is told at start.
struct AgentOptions {
  std::string server = "http://127.0.0.1:7070";  // fastgpud's URL
  std::string join_token_file;                   // empty: send no join token (loopback daemon)
  std::string ca_file;  // verifies an https:// server; empty: $FASTGPU_CA, else the system's
  std::string name;     // empty: the host name
  std::optional<std::string> simulate_gpus;  // --simulate-gpus SPEC, as fastgpud takes it
  std::string simulated_gpu_nodes;           // --simulated-gpu-nodes PREFIX, as fastgpud's
  std::string work_dir;                      // task logs; empty: a directory under /tmp
  std::string vgpu_library;                  // empty: <dir of the binary>/../lib/...
};

/// Registers the flags of `options` on `app`.
void add_agent_flags(CLI::App& app, AgentOptions* options);

/// Fills the defaults the flags left open (name, work_dir, the vGPU library)
/// and checks the server URL.
/// kInvalidArgument naming the flag when a value is unusable.
Status complete_agent_options(AgentOptions* options);

}  // namespace fastgpu
