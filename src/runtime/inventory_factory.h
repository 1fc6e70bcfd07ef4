#pragma once
// The daemon's choice of GPU inventory: a simulated one when asked, else NVML, else the default
// simulated GPU.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/gpu_inventory.h"
#include "runtime/nvml_inventory.h"

namespace fastgpu {

/// Opens the inventory fastgpud (or an agent) uses. With `simulate_spec` set (--simulate-gpus),
/// a simulated inventory of that spec, its UUIDs made from `host_key` (a name stable across
/// restarts and unique among the hosts simulated on one machine); a bad spec is an error.
/// Without it, NVML from `nvml_library`; when NVML is not available or sees no GPU, a simulated
/// inventory of kDefaultSimulatedGpus. *note receives one line for the log saying which was
/// chosen and why.
Status open_gpu_inventory(const std::optional<std::string>& simulate_spec,
                          std::string_view host_key, std::unique_ptr<GpuInventory>* out,
                          std::string* note, std::string_view nvml_library = kNvmlLibrary);

/// The simulated GPUs' host key of a process on this machine: its host name, `role` (e.g.
/// "fastgpud" or "agent") and `name` (an agent's name in the pool; "" for fastgpud).
std::string simulated_host_key(std::string_view role, std::string_view name);

/// Gives each simulated GPU the device node `prefix`<index> (--simulated-gpu-nodes), so that
/// the device fence of confined tasks can be tried on files. kInvalidArgument when a device is
/// real: its node is the driver's.
Status name_simulated_nodes(const std::string& prefix, std::vector<GpuDevice>* devices);

}  // namespace fastgpu
