#pragma once
// The node catalog: the node types the autoscaler may ask a provider for, and the pool's limits,
// read from a `node-types.toml` file.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/node.h"
#include "core/status.h"

namespace fastgpu {

/// How a node type is bought: on demand, or on the spot market (cheaper, may be reclaimed).
enum class Market : uint8_t { kOnDemand, kSpot };

/// The market's name as the catalog spells it: "on-demand" or "spot".
std::string_view market_name(Market market);

/// Money in millionths of a dollar, so that accounting stays in integers.
using MicroDollars = int64_t;
inline constexpr MicroDollars kMicroPerDollar = 1'000'000;

/// One kind of node a provider can start. Every field is checked by the parser.
struct NodeType {
  std::string name;
  int32_t gpu_count = 0;  // 0..kMaxGpusPerNode; 0 is a CPU-only node
  GpuModelId gpu_model = 0;
  MilliCpu cpu_milli = 0;
  MemoryMib memory_mib = 0;
  MicroDollars price_per_hour = 0;  // > 0
  Market market = Market::kOnDemand;
  int64_t boot_seconds = 0;           // from the request until the node takes tasks; >= 0
  double interruptions_per_hour = 0;  // expected reclaims per node-hour; spot types only

  /// The capacity of one node of this type, named `node_name`.
  NodeSpec node_spec(std::string node_name) const;
};

/// Bounds the autoscaler keeps. The catalog's `[pool]` table gives them; flags may override.
struct PoolLimits {
  int64_t min_nodes = 0;             // never scale below; the pool starts with this many
  int64_t max_nodes = 1000;          // never scale above (booting nodes count)
  MicroDollars budget_per_hour = 0;  // cap on the pool's price per hour; 0: no cap
  int64_t cooldown_seconds = 600;    // a node idle this long is removed
  size_t base_type = 0;              // index of the type the min_nodes are of
  // What one spot reclaim costs, in node-seconds of work lost and redone, beyond a new node's
  // boot: it prices spot types by their expected interruptions (expected_price_per_hour).
  int64_t reclaim_cost_seconds = 600;
  // A spot type reclaimed this many times within the window is not started again until the
  // window has passed since its last reclaim: on-demand types take its place (SpotFallback).
  int64_t spot_fallback_interruptions = 3;
  int64_t spot_fallback_window_seconds = 3600;
};

/// The price of a useful node-hour of `type`: its price, and for a spot type that price times
/// 1 + interruptions_per_hour × (boot_seconds + limits.reclaim_cost_seconds) / 3600, the node
/// time each reclaim wastes. What the autoscaler compares types by; budgets count the price.
MicroDollars expected_price_per_hour(const NodeType& type, const PoolLimits& limits);

/// A parsed catalog: at least one type, names unique, and the pool's limits.
struct NodeCatalog {
  std::vector<NodeType> types;
  PoolLimits limits;

  /// Index of the type called `name`, or nullopt.
  std::optional<size_t> find(std::string_view name) const;
};

/// Parses a catalog in TOML:
///   [pool]       min_nodes, max_nodes, budget_per_hour (dollars), cooldown_seconds, base_type,
///                reclaim_cost_seconds, spot_fallback_interruptions,
///                spot_fallback_window_seconds (all optional)
///   [[node_type]] name, gpu_count, gpu_model, cpu_milli, memory_mib, price_per_hour (dollars),
///                market ("spot" | "on-demand"), boot_seconds (all required);
///                interruptions_per_hour (optional, spot types only)
/// Unknown keys are refused. On any error returns a message naming `source`, the type and the
/// field, and leaves *out untouched.
Status parse_node_catalog(std::string_view text, std::string_view source, NodeCatalog* out);

/// Reads the file at `path` and parses it with the path as source.
Status read_node_catalog(const std::string& path, NodeCatalog* out);

}  // namespace fastgpu
