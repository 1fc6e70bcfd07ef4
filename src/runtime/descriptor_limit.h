#pragma once
// The number of descriptors a daemon may hold open.

namespace fastgpu {

/// Raises this process's soft limit on open descriptors to its hard limit: each HTTP
/// connection, and each running task's pipes, hold descriptors, and a default soft limit of
/// 1,024 would refuse work long before anything else runs out.
void raise_descriptor_limit();

}  // namespace fastgpu
