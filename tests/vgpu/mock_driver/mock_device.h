#pragma once
// The fake GPU behind the mock CUDA driver: one device timeline in shared memory (named by
// MOCK_CUDA_DEVICE), on which kernels from every process run one after another in launch
// order, each for the simulated time its function names; and the device's memory.
// FASTGPU_MOCK_SWITCH_US adds that much idle device time whenever the device passes from one
// process's kernels to another's, as a GPU's context switch does (default 0).
#include <cstdint>

namespace fastgpu::mock {

// Places a kernel of `duration_ns` on the device after `not_before_ns`; returns its end time.
// Records the interval for this process's busy-time accounting.
int64_t run_on_device(int64_t duration_ns, int64_t not_before_ns);

// Charges `bytes` of device memory; false when the device is full.
bool take_device_memory(uint64_t bytes);
void give_device_memory(uint64_t bytes);
uint64_t device_memory_total();
uint64_t device_memory_used();

// Device time this process's kernels spent inside [from_ns, to_ns).
int64_t busy_ns_between(int64_t from_ns, int64_t to_ns);

}  // namespace fastgpu::mock
