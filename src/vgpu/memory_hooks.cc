// The memory hooks: every allocation path charges the vGPU's ledger before it reaches the
// driver and is refused with CUDA_ERROR_OUT_OF_MEMORY past the limit; frees credit it.
#include <algorithm>

#include "vgpu/hook_support.h"

namespace fastgpu::vgpu {
namespace {

// Charges `bytes`, runs the real allocation, then remembers (or on failure refunds) it.
template <typename Call, typename Handle>
CUresult charge_allocation(Shim& shim, uint64_t bytes, AllocationKind kind, Call call,
                           Handle handle) {
  VgpuLedger* ledger = shim.memory_ledger();
  if (ledger == nullptr) return call();
  if (!ledger->try_reserve(bytes)) return CUDA_ERROR_OUT_OF_MEMORY;
  const CUresult result = call();
  if (result == CUDA_SUCCESS) {
    shim.allocations().insert(kind, handle(), bytes);
  } else {
    ledger->release(bytes);
  }
  return result;
}

// Runs the real free and credits what the allocation charged.
template <typename Call>
CUresult credit_free(Shim& shim, AllocationKind kind, uint64_t handle, Call call) {
  const CUresult result = call();
  VgpuLedger* ledger = shim.memory_ledger();
  if (result == CUDA_SUCCESS && ledger != nullptr) {
    if (const uint64_t bytes = shim.allocations().erase(kind, handle)) ledger->release(bytes);
  }
  return result;
}

uint64_t format_bytes(CUarray_format format) {
  switch (format) {
    case CU_AD_FORMAT_UNSIGNED_INT8:
    case CU_AD_FORMAT_SIGNED_INT8:
      return 1;
    case CU_AD_FORMAT_UNSIGNED_INT16:
    case CU_AD_FORMAT_SIGNED_INT16:
    case CU_AD_FORMAT_HALF:
      return 2;
    default:
      return 4;  // 32-bit formats; an upper bound for the packed and compressed ones
  }
}

uint64_t array_bytes(const CUDA_ARRAY3D_DESCRIPTOR& d) {
  return d.Width * std::max<size_t>(d.Height, 1) * std::max<size_t>(d.Depth, 1) *
         std::max(d.NumChannels, 1u) * format_bytes(d.Format);
}

// The bytes of all levels of a mipmapped array: each level halves every extent.
uint64_t mipmapped_bytes(CUDA_ARRAY3D_DESCRIPTOR d, unsigned levels) {
  uint64_t total = 0;
  for (unsigned level = 0; level < std::max(levels, 1u); ++level) {
    total += array_bytes(d);
    d.Width = std::max<size_t>(d.Width / 2, 1);
    d.Height = d.Height ? std::max<size_t>(d.Height / 2, 1) : 0;
    d.Depth = d.Depth ? std::max<size_t>(d.Depth / 2, 1) : 0;
  }
  return total;
}

// Pitched rows are padded to at most this many bytes.
constexpr uint64_t kMaxPitchAlignment = 512;

template <DriverFn F, typename... Args>
CUresult allocate_pointer(CUdeviceptr* dptr, size_t bytes, Args... args) {
  Shim& shim = Shim::get();
  auto real = real_function<F>(shim);
  if (real == nullptr) return CUDA_ERROR_NOT_INITIALIZED;
  return charge_allocation(
      shim, bytes, AllocationKind::kDevicePointer, [&] { return real(dptr, bytes, args...); },
      [&] { return static_cast<uint64_t>(*dptr); });
}

template <DriverFn F, typename... Args>
CUresult free_pointer(CUdeviceptr dptr, Args... args) {
  Shim& shim = Shim::get();
  auto real = real_function<F>(shim);
  if (real == nullptr) return CUDA_ERROR_NOT_INITIALIZED;
  return credit_free(shim, AllocationKind::kDevicePointer, dptr,
                     [&] { return real(dptr, args...); });
}

template <DriverFn F, typename Descriptor>
CUresult create_array(CUarray* handle, const Descriptor* descriptor, uint64_t bytes) {
  Shim& shim = Shim::get();
  auto real = real_function<F>(shim);
  if (real == nullptr) return CUDA_ERROR_NOT_INITIALIZED;
  return charge_allocation(
      shim, bytes, AllocationKind::kArray, [&] { return real(handle, descriptor); },
      [&] { return reinterpret_cast<uint64_t>(*handle); });
}

template <DriverFn F, typename Handle>
CUresult destroy_array(Handle handle) {
  Shim& shim = Shim::get();
  auto real = real_function<F>(shim);
  if (real == nullptr) return CUDA_ERROR_NOT_INITIALIZED;
  return credit_free(shim, AllocationKind::kArray, reinterpret_cast<uint64_t>(handle),
                     [&] { return real(handle); });
}

}  // namespace
}  // namespace fastgpu::vgpu

using namespace fastgpu::vgpu;

extern "C" {

FASTGPU_EXPORT CUresult CUDAAPI cuMemAlloc_v2(CUdeviceptr* dptr, size_t bytesize) {
  return allocate_pointer<DriverFn::cuMemAlloc_v2>(dptr, bytesize);
}

FASTGPU_EXPORT CUresult CUDAAPI cuMemAllocManaged(CUdeviceptr* dptr, size_t bytesize,
                                                  unsigned int flags) {
  return allocate_pointer<DriverFn::cuMemAllocManaged>(dptr, bytesize, flags);
}

FASTGPU_EXPORT CUresult CUDAAPI cuMemAllocAsync(CUdeviceptr* dptr, size_t bytesize,
                                                CUstream stream) {
  return allocate_pointer<DriverFn::cuMemAllocAsync>(dptr, bytesize, stream);
}

FASTGPU_EXPORT CUresult CUDAAPI cuMemAllocAsync_ptsz(CUdeviceptr* dptr, size_t bytesize,
                                                     CUstream stream) {
  return allocate_pointer<DriverFn::cuMemAllocAsync_ptsz>(dptr, bytesize, stream);
}

FASTGPU_EXPORT CUresult CUDAAPI cuMemAllocFromPoolAsync(CUdeviceptr* dptr, size_t bytesize,
                                                        CUmemoryPool pool, CUstream stream) {
  return allocate_pointer<DriverFn::cuMemAllocFromPoolAsync>(dptr, bytesize, pool, stream);
}

FASTGPU_EXPORT CUresult CUDAAPI cuMemAllocFromPoolAsync_ptsz(CUdeviceptr* dptr, size_t bytesize,
                                                             CUmemoryPool pool, CUstream stream) {
  return allocate_pointer<DriverFn::cuMemAllocFromPoolAsync_ptsz>(dptr, bytesize, pool, stream);
}

FASTGPU_EXPORT CUresult CUDAAPI cuMemAllocPitch_v2(CUdeviceptr* dptr, size_t* pitch, size_t width,
                                                   size_t height, unsigned int element_bytes) {
  Shim& shim = Shim::get();
  auto real = real_function<DriverFn::cuMemAllocPitch_v2>(shim);
  if (real == nullptr) return CUDA_ERROR_NOT_INITIALIZED;
  VgpuLedger* ledger = shim.memory_ledger();
  if (ledger == nullptr) return real(dptr, pitch, width, height, element_bytes);
  // The pitch is known only afterwards: charge the widest padding, then refund the rest.
  const uint64_t padded =
      (width + kMaxPitchAlignment - 1) / kMaxPitchAlignment * kMaxPitchAlignment;
  const uint64_t charged = padded * height;
  if (!ledger->try_reserve(charged)) return CUDA_ERROR_OUT_OF_MEMORY;
  const CUresult result = real(dptr, pitch, width, height, element_bytes);
  if (result != CUDA_SUCCESS) {
    ledger->release(charged);
    return result;
  }
  const uint64_t actual = static_cast<uint64_t>(*pitch) * height;
  if (actual < charged) ledger->release(charged - actual);
  if (actual > charged && !ledger->try_reserve(actual - charged)) {
    ledger->release(charged);
    real_function<DriverFn::cuMemFree_v2>(shim)(*dptr);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  shim.allocations().insert(AllocationKind::kDevicePointer, *dptr, actual);
  return result;
}

FASTGPU_EXPORT CUresult CUDAAPI cuMemFree_v2(CUdeviceptr dptr) {
  return free_pointer<DriverFn::cuMemFree_v2>(dptr);
}

FASTGPU_EXPORT CUresult CUDAAPI cuMemFreeAsync(CUdeviceptr dptr, CUstream stream) {
  return free_pointer<DriverFn::cuMemFreeAsync>(dptr, stream);
}

FASTGPU_EXPORT CUresult CUDAAPI cuMemFreeAsync_ptsz(CUdeviceptr dptr, CUstream stream) {
  return free_pointer<DriverFn::cuMemFreeAsync_ptsz>(dptr, stream);
}

FASTGPU_EXPORT CUresult CUDAAPI cuMemCreate(CUmemGenericAllocationHandle* handle, size_t size,
                                            const CUmemAllocationProp* prop,
                                            unsigned long long flags) {
  Shim& shim = Shim::get();
  auto real = real_function<DriverFn::cuMemCreate>(shim);
  if (real == nullptr) return CUDA_ERROR_NOT_INITIALIZED;
  return charge_allocation(
      shim, size, AllocationKind::kMemoryHandle, [&] { return real(handle, size, prop, flags); },
      [&] { return static_cast<uint64_t>(*handle); });
}

FASTGPU_EXPORT CUresult CUDAAPI cuMemRelease(CUmemGenericAllocationHandle handle) {
  Shim& shim = Shim::get();
  auto real = real_function<DriverFn::cuMemRelease>(shim);
  if (real == nullptr) return CUDA_ERROR_NOT_INITIALIZED;
  return credit_free(shim, AllocationKind::kMemoryHandle, handle, [&] { return real(handle); });
}

FASTGPU_EXPORT CUresult CUDAAPI cuArrayCreate_v2(CUarray* handle,
                                                 const CUDA_ARRAY_DESCRIPTOR* descriptor) {
  const uint64_t bytes = descriptor == nullptr
                             ? 0
                             : array_bytes({descriptor->Width, descriptor->Height, 0,
                                            descriptor->Format, descriptor->NumChannels, 0});
  return create_array<DriverFn::cuArrayCreate_v2>(handle, descriptor, bytes);
}

FASTGPU_EXPORT CUresult CUDAAPI cuArray3DCreate_v2(CUarray* handle,
                                                   const CUDA_ARRAY3D_DESCRIPTOR* descriptor) {
  const uint64_t bytes = descriptor == nullptr ? 0 : array_bytes(*descriptor);
  return create_array<DriverFn::cuArray3DCreate_v2>(handle, descriptor, bytes);
}

FASTGPU_EXPORT CUresult CUDAAPI cuArrayDestroy(CUarray handle) {
  return destroy_array<DriverFn::cuArrayDestroy>(handle);
}

FASTGPU_EXPORT CUresult CUDAAPI cuMipmappedArrayCreate(CUmipmappedArray* handle,
                                                       const CUDA_ARRAY3D_DESCRIPTOR* descriptor,
                                                       unsigned int levels) {
  Shim& shim = Shim::get();
  auto real = real_function<DriverFn::cuMipmappedArrayCreate>(shim);
  if (real == nullptr) return CUDA_ERROR_NOT_INITIALIZED;
  const uint64_t bytes = descriptor == nullptr ? 0 : mipmapped_bytes(*descriptor, levels);
  return charge_allocation(
      shim, bytes, AllocationKind::kArray, [&] { return real(handle, descriptor, levels); },
      [&] { return reinterpret_cast<uint64_t>(*handle); });
}

FASTGPU_EXPORT CUresult CUDAAPI cuMipmappedArrayDestroy(CUmipmappedArray handle) {
  return destroy_array<DriverFn::cuMipmappedArrayDestroy>(handle);
}

FASTGPU_EXPORT CUresult CUDAAPI cuMemGetInfo_v2(size_t* free, size_t* total) {
  Shim& shim = Shim::get();
  auto real = real_function<DriverFn::cuMemGetInfo_v2>(shim);
  if (real == nullptr) return CUDA_ERROR_NOT_INITIALIZED;
  const CUresult result = real(free, total);
  VgpuLedger* ledger = shim.memory_ledger();
  if (result != CUDA_SUCCESS || ledger == nullptr || free == nullptr || total == nullptr) {
    return result;
  }
  const uint64_t limit = ledger->memory_limit();
  const uint64_t used = std::min(ledger->memory_used(), limit);
  *total = std::min<uint64_t>(*total, limit);
  *free = std::min<uint64_t>(*free, *total - std::min<uint64_t>(used, *total));
  return result;
}

}  // extern "C"
