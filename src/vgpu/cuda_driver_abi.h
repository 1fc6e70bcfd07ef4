#pragma once
// The small part of the CUDA driver API (cuda.h of CUDA 12.8 and later) that libfastgpu-vgpu,
// its mock driver and its probe use, declared here so that all of them build without the CUDA
// toolkit: a fresh Debian 12 has none, and the real driver (libcuda.so.1) is opened at run time
// anyway. Only ABI facts are written down: type sizes and layouts, enum values and function
// signatures. Where the toolkit exists, tests/vgpu/driver_abi_check_test.cc compiles every one
// of them against cuda.h and fails on any difference.
//
// With FASTGPU_CUDA_ABI_CHECK defined (that test only) the types go into namespace
// fastgpu_cuda_abi and nothing else is declared, so that cuda.h can sit beside them.

#include <cstddef>
#include <cstdint>

#ifndef CUDAAPI
#define CUDAAPI
#endif

#ifdef FASTGPU_CUDA_ABI_CHECK
namespace fastgpu_cuda_abi {
#endif

typedef uint64_t cuuint64_t;
typedef unsigned long long CUdeviceptr;
typedef int CUdevice;
typedef unsigned long long CUmemGenericAllocationHandle;
typedef struct CUctx_st* CUcontext;
typedef struct CUmod_st* CUmodule;
typedef struct CUfunc_st* CUfunction;
typedef struct CUarray_st* CUarray;
typedef struct CUmipmappedArray_st* CUmipmappedArray;
typedef struct CUstream_st* CUstream;
typedef struct CUevent_st* CUevent;
typedef struct CUgraphExec_st* CUgraphExec;
typedef struct CUmemPoolHandle_st* CUmemoryPool;
typedef struct CUlaunchAttribute_st CUlaunchAttribute;      // only pointed to here
typedef struct CUmemAllocationProp_st CUmemAllocationProp;  // only passed on here

/// The driver's status codes that FastGPU returns or tests for (cuda.h has many more).
typedef enum cudaError_enum {
  CUDA_SUCCESS = 0,
  CUDA_ERROR_INVALID_VALUE = 1,
  CUDA_ERROR_OUT_OF_MEMORY = 2,
  CUDA_ERROR_NOT_INITIALIZED = 3,
  CUDA_ERROR_INVALID_DEVICE = 101,
  CUDA_ERROR_INVALID_HANDLE = 400,
  CUDA_ERROR_NOT_FOUND = 500,
  CUDA_ERROR_NOT_READY = 600,
  CUDA_ERROR_UNKNOWN = 999
} CUresult;

typedef enum CUarray_format_enum {
  CU_AD_FORMAT_UNSIGNED_INT8 = 0x01,
  CU_AD_FORMAT_UNSIGNED_INT16 = 0x02,
  CU_AD_FORMAT_UNSIGNED_INT32 = 0x03,
  CU_AD_FORMAT_SIGNED_INT8 = 0x08,
  CU_AD_FORMAT_SIGNED_INT16 = 0x09,
  CU_AD_FORMAT_SIGNED_INT32 = 0x0a,
  CU_AD_FORMAT_HALF = 0x10,
  CU_AD_FORMAT_FLOAT = 0x20
} CUarray_format;

typedef enum CUevent_flags_enum { CU_EVENT_DEFAULT = 0x0 } CUevent_flags;

typedef enum CUdriverProcAddress_flags_enum {
  CU_GET_PROC_ADDRESS_DEFAULT = 0,
  CU_GET_PROC_ADDRESS_LEGACY_STREAM = 1 << 0,
  CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM = 1 << 1
} CUdriverProcAddress_flags;

typedef enum CUdriverProcAddressQueryResult_enum {
  CU_GET_PROC_ADDRESS_SUCCESS = 0,
  CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND = 1,
  CU_GET_PROC_ADDRESS_VERSION_NOT_SUFFICIENT = 2
} CUdriverProcAddressQueryResult;

typedef struct CUDA_ARRAY_DESCRIPTOR_st {
  size_t Width;
  size_t Height;
  CUarray_format Format;
  unsigned int NumChannels;
} CUDA_ARRAY_DESCRIPTOR;

typedef struct CUDA_ARRAY3D_DESCRIPTOR_st {
  size_t Width;
  size_t Height;
  size_t Depth;
  CUarray_format Format;
  unsigned int NumChannels;
  unsigned int Flags;
} CUDA_ARRAY3D_DESCRIPTOR;

typedef struct CUlaunchConfig_st {
  unsigned int gridDimX;
  unsigned int gridDimY;
  unsigned int gridDimZ;
  unsigned int blockDimX;
  unsigned int blockDimY;
  unsigned int blockDimZ;
  unsigned int sharedMemBytes;
  CUstream hStream;
  CUlaunchAttribute* attrs;
  unsigned int numAttrs;
} CUlaunchConfig;

#ifdef FASTGPU_CUDA_ABI_CHECK
}  // namespace fastgpu_cuda_abi
#endif

// X(name, parameters): each driver function used, by its exported (versioned) name, as cuda.h
// declares it; all return CUresult.
// clang-format off
#define FASTGPU_CUDA_DRIVER_API(X)                                                             \
  X(cuInit, (unsigned int flags))                                                              \
  X(cuDriverGetVersion, (int* version))                                                        \
  X(cuDeviceGetCount, (int* count))                                                            \
  X(cuDeviceGet, (CUdevice* device, int ordinal))                                              \
  X(cuCtxGetCurrent, (CUcontext* context))                                                     \
  X(cuCtxSynchronize, ())                                                                      \
  X(cuModuleLoadData, (CUmodule* module, const void* image))                                   \
  X(cuModuleGetFunction, (CUfunction* function, CUmodule module, const char* name))            \
  X(cuMemAlloc_v2, (CUdeviceptr* dptr, size_t bytes))                                         \
  X(cuMemAllocPitch_v2, (CUdeviceptr* dptr, size_t* pitch, size_t width, size_t height,        \
                         unsigned int element_bytes))                                          \
  X(cuMemAllocManaged, (CUdeviceptr* dptr, size_t bytes, unsigned int flags))                  \
  X(cuMemAllocAsync, (CUdeviceptr* dptr, size_t bytes, CUstream stream))                       \
  X(cuMemAllocFromPoolAsync, (CUdeviceptr* dptr, size_t bytes, CUmemoryPool pool,              \
                              CUstream stream))                                                \
  X(cuMemFree_v2, (CUdeviceptr dptr))                                                          \
  X(cuMemFreeAsync, (CUdeviceptr dptr, CUstream stream))                                       \
  X(cuMemCreate, (CUmemGenericAllocationHandle* handle, size_t bytes,                          \
                  const CUmemAllocationProp* prop, unsigned long long flags))                  \
  X(cuMemRelease, (CUmemGenericAllocationHandle handle))                                       \
  X(cuMemGetInfo_v2, (size_t* free, size_t* total))                                            \
  X(cuArrayCreate_v2, (CUarray* handle, const CUDA_ARRAY_DESCRIPTOR* descriptor))              \
  X(cuArray3DCreate_v2, (CUarray* handle, const CUDA_ARRAY3D_DESCRIPTOR* descriptor))          \
  X(cuArrayDestroy, (CUarray handle))                                                          \
  X(cuMipmappedArrayCreate, (CUmipmappedArray* handle,                                         \
                             const CUDA_ARRAY3D_DESCRIPTOR* descriptor, unsigned int levels))  \
  X(cuMipmappedArrayDestroy, (CUmipmappedArray handle))                                        \
  X(cuStreamCreate, (CUstream* stream, unsigned int flags))                                    \
  X(cuStreamSynchronize, (CUstream stream))                                                    \
  X(cuEventCreate, (CUevent* event, unsigned int flags))                                       \
  X(cuEventRecord, (CUevent event, CUstream stream))                                           \
  X(cuEventQuery, (CUevent event))                                                             \
  X(cuEventSynchronize, (CUevent event))                                                       \
  X(cuEventElapsedTime_v2, (float* ms, CUevent start, CUevent end))                            \
  X(cuEventDestroy_v2, (CUevent event))                                                        \
  X(cuLaunchKernel, (CUfunction f, unsigned int grid_x, unsigned int grid_y,                   \
                     unsigned int grid_z, unsigned int block_x, unsigned int block_y,          \
                     unsigned int block_z, unsigned int shared_bytes, CUstream stream,         \
                     void** params, void** extra))                                             \
  X(cuLaunchKernelEx, (const CUlaunchConfig* config, CUfunction f, void** params,              \
                       void** extra))                                                          \
  X(cuLaunchCooperativeKernel, (CUfunction f, unsigned int grid_x, unsigned int grid_y,        \
                                unsigned int grid_z, unsigned int block_x,                     \
                                unsigned int block_y, unsigned int block_z,                    \
                                unsigned int shared_bytes, CUstream stream, void** params))    \
  X(cuGraphLaunch, (CUgraphExec graph, CUstream stream))                                       \
  X(cuGetProcAddress_v2, (const char* symbol, void** pfn, int cuda_version, cuuint64_t flags,  \
                          CUdriverProcAddressQueryResult* status))
// clang-format on

#ifndef FASTGPU_CUDA_ABI_CHECK
/// The driver API version these declarations follow (cuda.h's CUDA_VERSION for 12.8).
#define CUDA_VERSION 12080
#define CU_STREAM_LEGACY ((CUstream)0x1)
#define CU_STREAM_PER_THREAD ((CUstream)0x2)
// cuda.h's names for the current version of each versioned entry point.
#define cuMemAlloc cuMemAlloc_v2
#define cuMemAllocPitch cuMemAllocPitch_v2
#define cuMemFree cuMemFree_v2
#define cuMemGetInfo cuMemGetInfo_v2
#define cuArrayCreate cuArrayCreate_v2
#define cuArray3DCreate cuArray3DCreate_v2
#define cuEventDestroy cuEventDestroy_v2
#define cuEventElapsedTime cuEventElapsedTime_v2
#define cuGetProcAddress cuGetProcAddress_v2

extern "C" {
#define FASTGPU_DECLARE_DRIVER_FUNCTION(name, parameters) CUresult CUDAAPI name parameters;
FASTGPU_CUDA_DRIVER_API(FASTGPU_DECLARE_DRIVER_FUNCTION)
#undef FASTGPU_DECLARE_DRIVER_FUNCTION
}
#endif
