#pragma once
// What every exported hook needs: the export attribute and the real function, checked.
#include "vgpu/shim.h"

// Marks a hook as exported from libfastgpu-vgpu (everything else is hidden).
#define FASTGPU_EXPORT __attribute__((visibility("default")))

namespace fastgpu::vgpu {

// The real driver function F, or null when the shim is not ready or the driver lacks F; the
// hook then answers CUDA_ERROR_NOT_INITIALIZED.
template <DriverFn F>
typename DriverFnType<F>::type real_function(const Shim& shim) {
  return shim.ready() ? shim.driver().get<F>() : nullptr;
}

}  // namespace fastgpu::vgpu
