#pragma once
// Normalisation constants of the FGD reference simulator's heuristic policies.

namespace fastgpu {

/// The policies BestFit, DotProd and GpuClustering express a node's free resources as
/// fractions of a reference node of 128 cores and 8 GPUs, whatever the node's real size.
inline constexpr double kReferenceNodeCpuMilli = 128'000.0;
inline constexpr double kReferenceNodeGpuMilli = 8'000.0;

}  // namespace fastgpu
