// The launch hooks: kernels, cooperative kernels, extended launches and graphs all pass the
// vGPU's launch throttle. The per-thread-default-stream twins share one template each.
#include "vgpu/hook_support.h"

namespace fastgpu::vgpu {
namespace {

// Runs `launch` between the throttle's before/after (directly when the process has no vGPU).
template <typename Launch>
CUresult throttled(Shim& shim, uint64_t key, CUstream stream, bool per_thread, Launch launch) {
  LaunchThrottle* throttle = shim.throttle();
  if (throttle == nullptr) return launch();
  const LaunchGate gate = throttle->before_launch(key, stream, per_thread);
  const CUresult result = launch();
  throttle->after_launch(gate, stream, per_thread, result);
  return result;
}

template <DriverFn F, bool kPerThread, typename... Rest>
CUresult launch_grid(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                     unsigned bz, unsigned shared_bytes, CUstream stream, Rest... rest) {
  Shim& shim = Shim::get();
  auto real = real_function<F>(shim);
  if (real == nullptr) return CUDA_ERROR_NOT_INITIALIZED;
  const uint64_t key = kernel_launch_key(f, uint64_t{gx} * gy * gz, uint64_t{bx} * by * bz);
  return throttled(shim, key, stream, kPerThread,
                   [&] { return real(f, gx, gy, gz, bx, by, bz, shared_bytes, stream, rest...); });
}

template <DriverFn F, bool kPerThread>
CUresult launch_ex(const CUlaunchConfig* config, CUfunction f, void** params, void** extra) {
  Shim& shim = Shim::get();
  auto real = real_function<F>(shim);
  if (real == nullptr) return CUDA_ERROR_NOT_INITIALIZED;
  if (config == nullptr) return real(config, f, params, extra);
  const uint64_t key =
      kernel_launch_key(f, uint64_t{config->gridDimX} * config->gridDimY * config->gridDimZ,
                        uint64_t{config->blockDimX} * config->blockDimY * config->blockDimZ);
  return throttled(shim, key, config->hStream, kPerThread,
                   [&] { return real(config, f, params, extra); });
}

template <DriverFn F, bool kPerThread>
CUresult launch_graph(CUgraphExec graph, CUstream stream) {
  Shim& shim = Shim::get();
  auto real = real_function<F>(shim);
  if (real == nullptr) return CUDA_ERROR_NOT_INITIALIZED;
  return throttled(shim, kernel_launch_key(graph, 0, 0), stream, kPerThread,
                   [&] { return real(graph, stream); });
}

}  // namespace
}  // namespace fastgpu::vgpu

using namespace fastgpu::vgpu;

extern "C" {

FASTGPU_EXPORT CUresult CUDAAPI cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz,
                                               unsigned bx, unsigned by, unsigned bz,
                                               unsigned shared_bytes, CUstream stream,
                                               void** params, void** extra) {
  return launch_grid<DriverFn::cuLaunchKernel, false>(f, gx, gy, gz, bx, by, bz, shared_bytes,
                                                      stream, params, extra);
}

FASTGPU_EXPORT CUresult CUDAAPI cuLaunchKernel_ptsz(CUfunction f, unsigned gx, unsigned gy,
                                                    unsigned gz, unsigned bx, unsigned by,
                                                    unsigned bz, unsigned shared_bytes,
                                                    CUstream stream, void** params, void** extra) {
  return launch_grid<DriverFn::cuLaunchKernel_ptsz, true>(f, gx, gy, gz, bx, by, bz, shared_bytes,
                                                          stream, params, extra);
}

FASTGPU_EXPORT CUresult CUDAAPI cuLaunchCooperativeKernel(CUfunction f, unsigned gx, unsigned gy,
                                                          unsigned gz, unsigned bx, unsigned by,
                                                          unsigned bz, unsigned shared_bytes,
                                                          CUstream stream, void** params) {
  return launch_grid<DriverFn::cuLaunchCooperativeKernel, false>(f, gx, gy, gz, bx, by, bz,
                                                                 shared_bytes, stream, params);
}

FASTGPU_EXPORT CUresult CUDAAPI cuLaunchCooperativeKernel_ptsz(CUfunction f, unsigned gx,
                                                               unsigned gy, unsigned gz,
                                                               unsigned bx, unsigned by,
                                                               unsigned bz, unsigned shared_bytes,
                                                               CUstream stream, void** params) {
  return launch_grid<DriverFn::cuLaunchCooperativeKernel_ptsz, true>(f, gx, gy, gz, bx, by, bz,
                                                                     shared_bytes, stream, params);
}

FASTGPU_EXPORT CUresult CUDAAPI cuLaunchKernelEx(const CUlaunchConfig* config, CUfunction f,
                                                 void** params, void** extra) {
  return launch_ex<DriverFn::cuLaunchKernelEx, false>(config, f, params, extra);
}

FASTGPU_EXPORT CUresult CUDAAPI cuLaunchKernelEx_ptsz(const CUlaunchConfig* config, CUfunction f,
                                                      void** params, void** extra) {
  return launch_ex<DriverFn::cuLaunchKernelEx_ptsz, true>(config, f, params, extra);
}

FASTGPU_EXPORT CUresult CUDAAPI cuGraphLaunch(CUgraphExec graph, CUstream stream) {
  return launch_graph<DriverFn::cuGraphLaunch, false>(graph, stream);
}

FASTGPU_EXPORT CUresult CUDAAPI cuGraphLaunch_ptsz(CUgraphExec graph, CUstream stream) {
  return launch_graph<DriverFn::cuGraphLaunch_ptsz, true>(graph, stream);
}

}  // extern "C"
