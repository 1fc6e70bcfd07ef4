#pragma once
// The pool's GPUs as the scheduler sees them: ledger nodes (each a group of up to 16 GPUs of one
// model on one host) mapped back to devices and hosts, and the conversion of TFLOPS requests to
// shares per model.

#include <optional>
#include <string>
#include <vector>

#include "core/capacity_ledger.h"
#include "core/status.h"
#include "runtime/gpu_inventory.h"

namespace fastgpu {

/// A value: the scheduler publishes a new copy when agents add or remove hosts, so a copy read by
/// another thread never changes under it. Nodes and devices are only ever appended (indices stay
/// valid); a removed host's are marked removed, and listings and placements skip them.
class GpuPool {
 public:
  /// Host name of the daemon's own GPUs.
  static constexpr const char* kLocalHost = "";

  /// Builds the pool of `devices` on a host of `host_cpu` milli-cores. GPUs of a model missing
  /// from core's table (a "40tflops" simulated GPU) register a custom model. Every node gets the
  /// host's CPU (nodes of one host share it; CPU is accounted per node). kInvalidArgument when
  /// there is no GPU or a model cannot be registered.
  static Status create(std::vector<GpuDevice> devices, MilliCpu host_cpu, GpuPool* out);

  /// Appends the GPUs of host `host` (an agent's name; never kLocalHost) as nodes of their own,
  /// named "<host>/gpu-group-N", each with `host_cpu`; *added receives their indices in order.
  /// kInvalidArgument as create(), and for an empty or local host name.
  Status add_host(const std::string& host, std::vector<GpuDevice> devices, MilliCpu host_cpu,
                  std::vector<NodeIndex>* added);

  /// Marks every node of agent host `host` removed: it is no longer listed, and no shape is
  /// offered for it. kInvalidArgument for the local host, kNotFound when no node is the host's.
  Status remove_host(const std::string& host);

  /// Undoes remove_host(`host`): its nodes are listed and offered again.
  void restore_host(const std::string& host);

  /// The host node `node` belongs to: kLocalHost or an agent's name.
  const std::string& host_of(NodeIndex node) const { return host_of_[node]; }
  /// The node device `device` belongs to.
  NodeIndex node_of_device(size_t device) const { return node_of_device_[device]; }
  /// True when `node`'s host was removed (remove_host).
  bool removed(NodeIndex node) const { return removed_[node]; }

  const std::vector<NodeSpec>& nodes() const { return nodes_; }
  const std::vector<GpuDevice>& devices() const { return devices_; }

  /// Device index of GPU `slot` of `node`.
  int device_index(NodeIndex node, int slot) const { return device_of_[node][slot]; }
  /// Device indices of the GPUs of a placement, in slot order; none for a node the pool lacks
  /// (an agent's, recorded before a restart).
  std::vector<int> device_indices(const Placement& placement) const;

  /// The shapes under which a request may be placed on the nodes not removed: for compute asked in
  /// TFLOPS (milli_tflops > 0), one shape per model that can hold it, with gpu_milli resolved and
  /// allowed_models restricted to that model; otherwise `shape` itself. Empty when no model can.
  std::vector<TaskShape> candidate_shapes(const TaskShape& shape, int64_t milli_tflops) const;

  /// `shape` as it lands on node `node` (gpu_milli resolved for TFLOPS); nullopt when that
  /// node's model cannot hold the TFLOPS.
  std::optional<TaskShape> shape_on_node(const TaskShape& shape, int64_t milli_tflops,
                                         NodeIndex node) const;

  /// True when some node (not removed) could hold a candidate shape were it empty.
  bool could_ever_fit(const TaskShape& shape, int64_t milli_tflops) const;

 private:
  std::vector<GpuDevice> devices_;
  std::vector<NodeSpec> nodes_;
  std::vector<std::vector<int>> device_of_;              // [node][slot] -> device index
  std::vector<std::string> host_of_;                     // [node] -> host
  std::vector<bool> removed_;                            // [node] -> its host was removed
  std::vector<NodeIndex> node_of_device_;                // [device] -> node
  int mark_host(const std::string& host, bool removed);  // returns the nodes marked
  Status append(const std::string& host, std::vector<GpuDevice> devices, MilliCpu host_cpu,
                std::vector<NodeIndex>* added);
};

}  // namespace fastgpu
