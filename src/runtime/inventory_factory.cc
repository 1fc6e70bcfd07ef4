#include "runtime/inventory_factory.h"

#include <unistd.h>

#include <vector>

#include "runtime/nvml_inventory.h"
#include "runtime/simulated_inventory.h"

namespace fastgpu {
namespace {

Status open_simulated(std::string_view spec, std::string_view host_key,
                      std::unique_ptr<GpuInventory>* out) {
  std::unique_ptr<SimulatedInventory> simulated;
  if (Status s = SimulatedInventory::create(spec, host_key, &simulated); !s.is_ok()) return s;
  *out = std::move(simulated);
  return Status::ok();
}

// Opens NVML and checks it sees at least one GPU; *why says what failed otherwise.
bool open_nvml(std::string_view library, std::unique_ptr<GpuInventory>* out, std::string* why) {
  std::unique_ptr<NvmlInventory> nvml;
  if (Status s = NvmlInventory::open(&nvml, library); !s.is_ok()) {
    *why = s.message();
    return false;
  }
  std::vector<GpuDevice> devices;
  if (Status s = nvml->discover(&devices); !s.is_ok()) {
    *why = "NVML discovery failed: " + s.message();
    return false;
  }
  if (devices.empty()) {
    *why = "NVML sees no GPU";
    return false;
  }
  *why = "NVML sees " + std::to_string(devices.size()) + " GPU(s)";
  *out = std::move(nvml);
  return true;
}

}  // namespace

Status name_simulated_nodes(const std::string& prefix, std::vector<GpuDevice>* devices) {
  for (GpuDevice& device : *devices) {
    if (!device.simulated) {
      return Status::invalid_argument("--simulated-gpu-nodes: GPU " + std::to_string(device.index) +
                                      " is real; its device node is the driver's");
    }
    device.device_node = prefix + std::to_string(device.index);
  }
  return Status::ok();
}

std::string simulated_host_key(std::string_view role, std::string_view name) {
  char host[256] = "";
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host) + "/" + std::string(role) + "/" + std::string(name);
}

Status open_gpu_inventory(const std::optional<std::string>& simulate_spec,
                          std::string_view host_key, std::unique_ptr<GpuInventory>* out,
                          std::string* note, std::string_view nvml_library) {
  if (simulate_spec) {
    *note = "simulating GPUs " + *simulate_spec + " as asked (--simulate-gpus)";
    return open_simulated(*simulate_spec, host_key, out);
  }
  std::string why;
  if (open_nvml(nvml_library, out, &why)) {
    *note = "using the host's GPUs: " + why;
    return Status::ok();
  }
  *note = why + "; simulating " + std::string(kDefaultSimulatedGpus) +
          "; use --simulate-gpus to choose";
  return open_simulated(kDefaultSimulatedGpus, host_key, out);
}

}  // namespace fastgpu
