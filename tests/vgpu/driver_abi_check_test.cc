// The CUDA driver ABI that src/vgpu/cuda_driver_abi.h declares by hand, compared with the
// toolkit's cuda.h: every signature, type, layout and value. Built only where the toolkit is.

#define FASTGPU_CUDA_ABI_CHECK
#include "vgpu/cuda_driver_abi.h"
// cuda.h after it: the hand-written types sit in namespace fastgpu_cuda_abi.
#include <cuda.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <type_traits>

namespace {

namespace abi = fastgpu_cuda_abi;

// Each function as written in FASTGPU_CUDA_DRIVER_API, read with cuda.h's types.
#define FASTGPU_CHECK_SIGNATURE(name, parameters)                                 \
  static_assert(std::is_same_v<decltype(&::name), CUresult(CUDAAPI*) parameters>, \
                #name " is not declared as cuda.h declares it");
FASTGPU_CUDA_DRIVER_API(FASTGPU_CHECK_SIGNATURE)
#undef FASTGPU_CHECK_SIGNATURE

static_assert(std::is_same_v<abi::cuuint64_t, ::cuuint64_t>);
static_assert(std::is_same_v<abi::CUdeviceptr, ::CUdeviceptr>);
static_assert(std::is_same_v<abi::CUdevice, ::CUdevice>);
static_assert(std::is_same_v<abi::CUmemGenericAllocationHandle, ::CUmemGenericAllocationHandle>);

#define FASTGPU_CHECK_VALUE(name)                                                    \
  static_assert(static_cast<long long>(abi::name) == static_cast<long long>(::name), \
                #name " differs from cuda.h");
FASTGPU_CHECK_VALUE(CUDA_SUCCESS)
FASTGPU_CHECK_VALUE(CUDA_ERROR_INVALID_VALUE)
FASTGPU_CHECK_VALUE(CUDA_ERROR_OUT_OF_MEMORY)
FASTGPU_CHECK_VALUE(CUDA_ERROR_NOT_INITIALIZED)
FASTGPU_CHECK_VALUE(CUDA_ERROR_INVALID_DEVICE)
FASTGPU_CHECK_VALUE(CUDA_ERROR_INVALID_HANDLE)
FASTGPU_CHECK_VALUE(CUDA_ERROR_NOT_FOUND)
FASTGPU_CHECK_VALUE(CUDA_ERROR_NOT_READY)
FASTGPU_CHECK_VALUE(CUDA_ERROR_UNKNOWN)
FASTGPU_CHECK_VALUE(CU_AD_FORMAT_UNSIGNED_INT8)
FASTGPU_CHECK_VALUE(CU_AD_FORMAT_UNSIGNED_INT16)
FASTGPU_CHECK_VALUE(CU_AD_FORMAT_UNSIGNED_INT32)
FASTGPU_CHECK_VALUE(CU_AD_FORMAT_SIGNED_INT8)
FASTGPU_CHECK_VALUE(CU_AD_FORMAT_SIGNED_INT16)
FASTGPU_CHECK_VALUE(CU_AD_FORMAT_SIGNED_INT32)
FASTGPU_CHECK_VALUE(CU_AD_FORMAT_HALF)
FASTGPU_CHECK_VALUE(CU_AD_FORMAT_FLOAT)
FASTGPU_CHECK_VALUE(CU_EVENT_DEFAULT)
FASTGPU_CHECK_VALUE(CU_GET_PROC_ADDRESS_DEFAULT)
FASTGPU_CHECK_VALUE(CU_GET_PROC_ADDRESS_LEGACY_STREAM)
FASTGPU_CHECK_VALUE(CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM)
FASTGPU_CHECK_VALUE(CU_GET_PROC_ADDRESS_SUCCESS)
FASTGPU_CHECK_VALUE(CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND)
FASTGPU_CHECK_VALUE(CU_GET_PROC_ADDRESS_VERSION_NOT_SUFFICIENT)
#undef FASTGPU_CHECK_VALUE

static_assert(sizeof(abi::CUresult) == sizeof(::CUresult));
static_assert(sizeof(abi::CUarray_format) == sizeof(::CUarray_format));
static_assert(sizeof(abi::CUdriverProcAddressQueryResult) ==
              sizeof(::CUdriverProcAddressQueryResult));

#define FASTGPU_CHECK_FIELD(type, field)                                 \
  static_assert(offsetof(abi::type, field) == offsetof(::type, field) && \
                    sizeof(abi::type::field) == sizeof(::type::field),   \
                #type "::" #field " differs from cuda.h");
static_assert(sizeof(abi::CUDA_ARRAY_DESCRIPTOR) == sizeof(::CUDA_ARRAY_DESCRIPTOR));
FASTGPU_CHECK_FIELD(CUDA_ARRAY_DESCRIPTOR, Width)
FASTGPU_CHECK_FIELD(CUDA_ARRAY_DESCRIPTOR, Height)
FASTGPU_CHECK_FIELD(CUDA_ARRAY_DESCRIPTOR, Format)
FASTGPU_CHECK_FIELD(CUDA_ARRAY_DESCRIPTOR, NumChannels)
static_assert(sizeof(abi::CUDA_ARRAY3D_DESCRIPTOR) == sizeof(::CUDA_ARRAY3D_DESCRIPTOR));
FASTGPU_CHECK_FIELD(CUDA_ARRAY3D_DESCRIPTOR, Width)
FASTGPU_CHECK_FIELD(CUDA_ARRAY3D_DESCRIPTOR, Height)
FASTGPU_CHECK_FIELD(CUDA_ARRAY3D_DESCRIPTOR, Depth)
FASTGPU_CHECK_FIELD(CUDA_ARRAY3D_DESCRIPTOR, Format)
FASTGPU_CHECK_FIELD(CUDA_ARRAY3D_DESCRIPTOR, NumChannels)
FASTGPU_CHECK_FIELD(CUDA_ARRAY3D_DESCRIPTOR, Flags)
static_assert(sizeof(abi::CUlaunchConfig) == sizeof(::CUlaunchConfig));
FASTGPU_CHECK_FIELD(CUlaunchConfig, gridDimX)
FASTGPU_CHECK_FIELD(CUlaunchConfig, gridDimY)
FASTGPU_CHECK_FIELD(CUlaunchConfig, gridDimZ)
FASTGPU_CHECK_FIELD(CUlaunchConfig, blockDimX)
FASTGPU_CHECK_FIELD(CUlaunchConfig, blockDimY)
FASTGPU_CHECK_FIELD(CUlaunchConfig, blockDimZ)
FASTGPU_CHECK_FIELD(CUlaunchConfig, sharedMemBytes)
FASTGPU_CHECK_FIELD(CUlaunchConfig, hStream)
FASTGPU_CHECK_FIELD(CUlaunchConfig, attrs)
FASTGPU_CHECK_FIELD(CUlaunchConfig, numAttrs)
#undef FASTGPU_CHECK_FIELD

// The rest are macros in cuda.h: compared at run time.
TEST(CudaDriverAbi, TheToolkitIsNoOlderThanTheDeclarationsAndItsStreamHandlesMatch) {
  EXPECT_GE(CUDA_VERSION, 12080);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(CU_STREAM_LEGACY), 0x1u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(CU_STREAM_PER_THREAD), 0x2u);
}

}  // namespace
