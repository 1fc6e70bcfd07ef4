#pragma once
// NVML's memory queries, answered with the vGPU's view (its limit and its use) when the process
// belongs to a vGPU with a memory limit, so tools such as nvidia-smi-like monitors inside the
// task and frameworks that size caches from NVML see the slice, not the whole GPU.
namespace fastgpu::vgpu {

// The NVML hook exported under `symbol`, or null.
void* nvml_hook_by_symbol(const char* symbol);

}  // namespace fastgpu::vgpu
