// The cuGetProcAddress hooks. CUDA runtimes from 11.3 on fetch the driver's entry points
// through cuGetProcAddress (found with dlsym on libcuda: see dlsym_hook.cc), so every version of
// it hands out libfastgpu-vgpu's hooks for the intercepted functions.
#include "vgpu/hook_registry.h"
#include "vgpu/hook_support.h"

namespace fastgpu::vgpu {
namespace {

// Asks the real cuGetProcAddress (of either signature), then swaps in the hook.
template <DriverFn F, typename... Status>
CUresult get_proc_address(const char* symbol, void** pfn, int cuda_version, cuuint64_t flags,
                          Status... status) {
  Shim& shim = Shim::get();
  auto real = real_function<F>(shim);
  if (real == nullptr) return CUDA_ERROR_NOT_INITIALIZED;
  const CUresult result = real(symbol, pfn, cuda_version, flags, status...);
  if (result == CUDA_SUCCESS && pfn != nullptr) {
    *pfn = hook_for_proc_address(shim.driver(), symbol, *pfn, cuda_version, flags);
  }
  return result;
}

}  // namespace
}  // namespace fastgpu::vgpu

using namespace fastgpu::vgpu;

extern "C" {

FASTGPU_EXPORT CUresult CUDAAPI cuGetProcAddress_v2(const char* symbol, void** pfn,
                                                    int cuda_version, cuuint64_t flags,
                                                    CUdriverProcAddressQueryResult* status) {
  return get_proc_address<DriverFn::cuGetProcAddress_v2>(symbol, pfn, cuda_version, flags, status);
}

FASTGPU_EXPORT CUresult CUDAAPI cuGetProcAddress_v1(const char* symbol, void** pfn,
                                                    int cuda_version, cuuint64_t flags) {
  return get_proc_address<DriverFn::cuGetProcAddress_v1>(symbol, pfn, cuda_version, flags);
}

}  // extern "C"
