#pragma once
// A GPU inventory with no hardware behind it, described by a spec string (--simulate-gpus).

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/units.h"
#include "runtime/gpu_inventory.h"

namespace fastgpu {

/// What fastgpud simulates when the host has no GPU and no spec was given.
inline constexpr std::string_view kDefaultSimulatedGpus = "1x40tflops";
/// Most GPUs one spec may describe, in one item and in all items together.
inline constexpr int kMaxSimulatedGpus = 64;
/// Memory of a TFLOPS-described GPU when the spec names none.
inline constexpr int64_t kDefaultSimulatedMemoryBytes = 80 * kBytesPerGib;

/// One item of a spec: `count` identical GPUs.
struct SimulatedGpuGroup {
  int32_t count = 0;
  /// A model of core's table ("8xA100-80GB"), or nullopt for a GPU described by its
  /// throughput ("1x40tflops:16GiB"), which then carries milli_tflops and memory_bytes.
  std::optional<GpuModelId> model_id;
  int64_t milli_tflops = 0;
  int64_t memory_bytes = 0;
};

/// Parses a spec: items separated by ',', each `COUNTxMODEL` (a model of core's table, matched
/// without regard to case) or `COUNTxTFLOPStflops[:MEMORY]` (TFLOPS with up to three decimals;
/// MEMORY an integer with unit MiB, GiB or TiB; 80GiB when absent). COUNT is 1..64 and the total
/// at most 64. Examples: "8xA100-80GB", "2xH100,4xL4", "1x40tflops", "4x312tflops:48GiB".
/// On error returns kInvalidArgument naming the item and the problem, and leaves *out empty.
Status parse_simulated_gpus(std::string_view spec, std::vector<SimulatedGpuGroup>* out);

/// GPUs made up from a spec. Utilization follows what the daemon says it allocated.
/// Thread-safe.
class SimulatedInventory : public GpuInventory {
 public:
  /// Builds the inventory of `spec` (see parse_simulated_gpus) into *out, its UUIDs made from
  /// `host_key` (simulated_gpu_uuid).
  static Status create(std::string_view spec, std::string_view host_key,
                       std::unique_ptr<SimulatedInventory>* out);

  /// An inventory of the given groups, indexed in order, UUIDs made from `host_key`.
  /// Precondition: groups are valid, as parse_simulated_gpus returns them.
  SimulatedInventory(const std::vector<SimulatedGpuGroup>& groups, std::string_view host_key);

  Status discover(std::vector<GpuDevice>* out) override;
  Status sample(std::vector<GpuUsage>* out) override;
  std::string_view source() const override { return "simulated"; }

  /// Records what is allocated on GPU `index`: utilization becomes allocated_milli / 10 percent
  /// (rounded up) and memory use `memory_used_bytes`. Refuses (kInvalidArgument) an unknown
  /// index, milli outside 0..1000 and memory outside 0..the device's total.
  Status set_allocation(int32_t index, MilliGpu allocated_milli, int64_t memory_used_bytes);

 private:
  mutable std::mutex mu_;
  std::vector<GpuDevice> devices_;  // guarded by mu_
};

/// The fake UUID of simulated GPU `index` of the host `host_key` names (stable across
/// restarts; hosts differ in it): "GPU-sim-HHHHHHHH-0000", "GPU-sim-HHHHHHHH-0001", ... where
/// HHHHHHHH is a hash of the key. Two hosts simulated on one machine so never share a GPU's name,
/// nor the vGPU library's per-GPU board, which is keyed by it.
std::string simulated_gpu_uuid(std::string_view host_key, int32_t index);

}  // namespace fastgpu
