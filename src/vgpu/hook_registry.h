#pragma once
// Maps what a program looks up (by dlsym name, or through cuGetProcAddress) to the hook that
// must answer instead of the real driver function.
#include "vgpu/real_driver.h"

namespace fastgpu::vgpu {

// The hook exported under `symbol` ("cuMemAlloc_v2", "nvmlDeviceGetMemoryInfo", ...), or null.
void* hook_by_symbol(const char* symbol);

// cuGetProcAddress found `real` for (`symbol`, `cuda_version`, `flags`); returns the hook to
// hand out instead, or `real` when the function is not intercepted. Matches by address first
// (exact), then by name, ABI version and stream flavour (for drivers that hand out addresses
// other than their exports).
void* hook_for_proc_address(const RealDriver& driver, const char* symbol, void* real,
                            int cuda_version, cuuint64_t flags);

}  // namespace fastgpu::vgpu
