#pragma once
// The CUDA driver entry points libfastgpu-vgpu touches, as one list (an X-macro), so that the
// exported hooks, the real-driver table and the cuGetProcAddress mapping cannot drift apart.
//
// X(symbol, query name, first CUDA version of that ABI, stream flavour, hooked?)
//  - symbol: the exported name in libcuda (what dlsym finds).
//  - query name + version + flavour: how cuGetProcAddress asks for it ("cuMemAlloc", 3020,
//    default stream) -> "cuMemAlloc_v2".
//  - hooked: 1 when libfastgpu-vgpu exports a hook of that name; 0 for the driver functions it
//    only calls (events, contexts).
#include "vgpu/cuda_driver_abi.h"

// The per-thread-default-stream flavours (cuda.h declares them only for programs compiled
// with CUDA_API_PER_THREAD_DEFAULT_STREAM) have the signatures of the plain ones.
extern "C" {
CUresult CUDAAPI cuLaunchKernel_ptsz(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned,
                                     unsigned, unsigned, CUstream, void**, void**);
CUresult CUDAAPI cuLaunchKernelEx_ptsz(const CUlaunchConfig*, CUfunction, void**, void**);
CUresult CUDAAPI cuLaunchCooperativeKernel_ptsz(CUfunction, unsigned, unsigned, unsigned, unsigned,
                                                unsigned, unsigned, unsigned, CUstream, void**);
CUresult CUDAAPI cuGraphLaunch_ptsz(CUgraphExec, CUstream);
CUresult CUDAAPI cuMemAllocAsync_ptsz(CUdeviceptr*, size_t, CUstream);
CUresult CUDAAPI cuMemAllocFromPoolAsync_ptsz(CUdeviceptr*, size_t, CUmemoryPool, CUstream);
CUresult CUDAAPI cuMemFreeAsync_ptsz(CUdeviceptr, CUstream);
CUresult CUDAAPI cuEventRecord_ptsz(CUevent, CUstream);
// cuGetProcAddress names the CUDA 12 signature (_v2); the CUDA 11.3 one has no status out.
CUresult CUDAAPI cuGetProcAddress_v1(const char*, void**, int,
                                     cuuint64_t) __asm__("cuGetProcAddress");
}

namespace fastgpu::vgpu {
// Which default-stream semantics a symbol has; cuGetProcAddress picks by its flags.
enum class StreamFlavour { kAny, kLegacy, kPerThread };
}  // namespace fastgpu::vgpu

// clang-format off
#define FASTGPU_DRIVER_FUNCTIONS(X)                                                            \
  X(cuMemAlloc_v2,                    "cuMemAlloc",               3020, kAny,       1)       \
  X(cuMemAllocPitch_v2,               "cuMemAllocPitch",          3020, kAny,       1)       \
  X(cuMemAllocManaged,                "cuMemAllocManaged",        6000, kAny,       1)       \
  X(cuMemAllocAsync,                  "cuMemAllocAsync",         11020, kLegacy,    1)       \
  X(cuMemAllocAsync_ptsz,             "cuMemAllocAsync",         11020, kPerThread, 1)       \
  X(cuMemAllocFromPoolAsync,          "cuMemAllocFromPoolAsync", 11020, kLegacy,    1)       \
  X(cuMemAllocFromPoolAsync_ptsz,     "cuMemAllocFromPoolAsync", 11020, kPerThread, 1)       \
  X(cuMemFree_v2,                     "cuMemFree",                3020, kAny,       1)       \
  X(cuMemFreeAsync,                   "cuMemFreeAsync",          11020, kLegacy,    1)       \
  X(cuMemFreeAsync_ptsz,              "cuMemFreeAsync",          11020, kPerThread, 1)       \
  X(cuMemCreate,                      "cuMemCreate",             10020, kAny,       1)       \
  X(cuMemRelease,                     "cuMemRelease",            10020, kAny,       1)       \
  X(cuArrayCreate_v2,                 "cuArrayCreate",            3020, kAny,       1)       \
  X(cuArray3DCreate_v2,               "cuArray3DCreate",          3020, kAny,       1)       \
  X(cuArrayDestroy,                   "cuArrayDestroy",           2000, kAny,       1)       \
  X(cuMipmappedArrayCreate,           "cuMipmappedArrayCreate",   5000, kAny,       1)       \
  X(cuMipmappedArrayDestroy,          "cuMipmappedArrayDestroy",  5000, kAny,       1)       \
  X(cuMemGetInfo_v2,                  "cuMemGetInfo",             3020, kAny,       1)       \
  X(cuLaunchKernel,                   "cuLaunchKernel",           4000, kLegacy,    1)       \
  X(cuLaunchKernel_ptsz,              "cuLaunchKernel",           7000, kPerThread, 1)       \
  X(cuLaunchKernelEx,                 "cuLaunchKernelEx",        11060, kLegacy,    1)       \
  X(cuLaunchKernelEx_ptsz,            "cuLaunchKernelEx",        11060, kPerThread, 1)       \
  X(cuLaunchCooperativeKernel,        "cuLaunchCooperativeKernel", 9000, kLegacy,   1)       \
  X(cuLaunchCooperativeKernel_ptsz,   "cuLaunchCooperativeKernel", 9000, kPerThread, 1)      \
  X(cuGraphLaunch,                    "cuGraphLaunch",           10000, kLegacy,    1)       \
  X(cuGraphLaunch_ptsz,               "cuGraphLaunch",           10000, kPerThread, 1)       \
  X(cuGetProcAddress_v2,              "cuGetProcAddress",        12000, kAny,       1)       \
  X(cuGetProcAddress_v1,              "cuGetProcAddress",        11030, kAny,       1)       \
  X(cuCtxGetCurrent,                  "cuCtxGetCurrent",          4000, kAny,       0)       \
  X(cuEventCreate,                    "cuEventCreate",            2000, kAny,       0)       \
  X(cuEventRecord,                    "cuEventRecord",            2000, kLegacy,    0)       \
  X(cuEventRecord_ptsz,               "cuEventRecord",            7000, kPerThread, 0)       \
  X(cuEventQuery,                     "cuEventQuery",             2000, kAny,       0)       \
  X(cuEventElapsedTime_v2,            "cuEventElapsedTime",      12080, kAny,       0)       \
  X(cuEventDestroy_v2,                "cuEventDestroy",           4000, kAny,       0)
// clang-format on
