#include "agent/agent_options.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace fastgpu {

void add_agent_flags(CLI::App& app, AgentOptions* o) {
  app.add_option("--server", o->server, "fastgpud's URL")->capture_default_str();
  app.add_option("--join-token-file", o->join_token_file,
                 "file holding the token fastgpud was given with --join-token-file");
  app.add_option("--ca-file", o->ca_file,
                 "CA certificate(s) an https:// fastgpud's certificate must chain to (default "
                 "$FASTGPU_CA, else the system's authorities)");
  app.add_option("--name", o->name, "this host's name in the pool (default: the host name)");
  app.add_option("--simulate-gpus", o->simulate_gpus,
                 "simulated inventory, e.g. 8xA100-80GB or 4x400tflops (default: NVML)");
  app.add_option("--simulated-gpu-nodes", o->simulated_gpu_nodes,
                 "PREFIX: simulated GPU i's device node is PREFIX<i> (as fastgpud's flag)");
  app.add_option("--work-dir", o->work_dir,
                 "working directory of tasks that name none (created when missing)");
  app.add_option("--vgpu-library", o->vgpu_library,
                 "libfastgpu-vgpu.so to preload into fractional tasks");
}

Status complete_agent_options(AgentOptions* o) {
  if (!o->server.starts_with("http://") && !o->server.starts_with("https://")) {
    return Status::invalid_argument("--server '" + o->server + "': expected http://HOST:PORT");
  }
  if (const char* ca = std::getenv("FASTGPU_CA"); o->ca_file.empty() && ca != nullptr) {
    o->ca_file = ca;
  }
  if (o->name.empty()) {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') {
      return Status::invalid_argument("--name: the host name is unknown; give one");
    }
    o->name = host;
  }
  if (o->name.find('/') != std::string::npos || o->name.size() > 253) {
    return Status::invalid_argument("--name '" + o->name + "': at most 253 bytes, no '/'");
  }
  if (o->work_dir.empty()) o->work_dir = "/tmp/fastgpu-agent-" + o->name;
  std::error_code ec;
  std::filesystem::create_directories(o->work_dir, ec);
  if (ec) return Status::io_error("--work-dir " + o->work_dir + ": " + ec.message());
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  // Installed beside this binary (lib/libfastgpu-vgpu.so), if at all.
  const auto beside = [&](const std::filesystem::path& relative) -> std::string {
    const std::filesystem::path path = (self.parent_path() / relative).lexically_normal();
    return !self.empty() && std::filesystem::exists(path, ec) ? path.string() : "";
  };
  if (o->vgpu_library.empty()) o->vgpu_library = beside("../lib/libfastgpu-vgpu.so");
  return Status::ok();
}

}  // namespace fastgpu
