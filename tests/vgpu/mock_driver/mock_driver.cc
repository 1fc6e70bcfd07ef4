// A test-only CUDA driver: the entry points libfastgpu-vgpu intercepts (and the few a test
// program needs around them) over the fake device of mock_device.h. Conventions of the mock:
//  - cuModuleGetFunction(&f, module, "sleep_us_N") gives a kernel that runs N microseconds of
//    simulated device time; a CUgraphExec handle made from such a function runs as that kernel.
//  - fastgpu_mock_busy_ns(from, to) reports this process's device time in a window.
//  - MOCK_CUDA_DEVICE names the shared device; FASTGPU_MOCK_MEMORY sets its memory (bytes).
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "mock_driver/mock_device.h"
#include "vgpu/driver_functions.h"
#include "vgpu/monotonic_clock.h"

using fastgpu::vgpu::monotonic_now_ns;
namespace mock = fastgpu::mock;

#define MOCK_EXPORT extern "C" __attribute__((visibility("default")))

// Opaque handle contents of the mock.
struct CUfunc_st {
  int64_t duration_ns;
};
struct CUstream_st {
  std::atomic<int64_t> tail_ns{0};
};
struct CUevent_st {
  std::atomic<int64_t> done_ns{-1};
};
struct CUarray_st {
  int unused;
};
struct CUmipmappedArray_st {
  int unused;
};

namespace {

CUstream_st legacy_stream;
thread_local CUstream_st per_thread_stream;
std::atomic<int64_t> process_tail_ns{0};

std::mutex memory_mutex;
std::unordered_map<uint64_t, uint64_t> bytes_by_pointer;
std::atomic<uint64_t> next_address{0x7f0000000000};

CUstream_st* resolve(CUstream stream, bool per_thread) {
  if (stream == CU_STREAM_PER_THREAD || (stream == nullptr && per_thread)) {
    return &per_thread_stream;
  }
  if (stream == nullptr || stream == CU_STREAM_LEGACY) return &legacy_stream;
  return stream;
}

CUresult run_kernel(const CUfunc_st* function, CUstream stream, bool per_thread) {
  if (function == nullptr) return CUDA_ERROR_INVALID_HANDLE;
  CUstream_st* s = resolve(stream, per_thread);
  const int64_t end = mock::run_on_device(function->duration_ns, s->tail_ns.load());
  s->tail_ns.store(end);
  int64_t tail = process_tail_ns.load();
  while (tail < end && !process_tail_ns.compare_exchange_weak(tail, end)) {
  }
  return CUDA_SUCCESS;
}

void sleep_until(int64_t when_ns) {
  const int64_t now = monotonic_now_ns();
  if (when_ns > now) std::this_thread::sleep_for(std::chrono::nanoseconds(when_ns - now));
}

CUresult allocate(CUdeviceptr* dptr, size_t bytes) {
  if (dptr == nullptr || bytes == 0) return CUDA_ERROR_INVALID_VALUE;
  if (!mock::take_device_memory(bytes)) return CUDA_ERROR_OUT_OF_MEMORY;
  const uint64_t address = next_address.fetch_add((bytes + 0xFFF) & ~uint64_t{0xFFF});
  std::lock_guard lock(memory_mutex);
  bytes_by_pointer[address] = bytes;
  *dptr = address;
  return CUDA_SUCCESS;
}

CUresult release(uint64_t address) {
  std::lock_guard lock(memory_mutex);
  auto found = bytes_by_pointer.find(address);
  if (found == bytes_by_pointer.end()) return CUDA_ERROR_INVALID_VALUE;
  mock::give_device_memory(found->second);
  bytes_by_pointer.erase(found);
  return CUDA_SUCCESS;
}

CUresult record_event(CUevent event, CUstream stream, bool per_thread) {
  if (event == nullptr) return CUDA_ERROR_INVALID_HANDLE;
  // Device timestamps have a resolution of a microsecond (real GPUs: about half of one).
  const int64_t reached = std::max(monotonic_now_ns(), resolve(stream, per_thread)->tail_ns.load());
  event->done_ns.store(reached / 1000 * 1000);
  return CUDA_SUCCESS;
}

}  // namespace

MOCK_EXPORT CUresult cuInit(unsigned int) { return CUDA_SUCCESS; }
MOCK_EXPORT CUresult cuDriverGetVersion(int* version) {
  *version = CUDA_VERSION;
  return CUDA_SUCCESS;
}
MOCK_EXPORT CUresult cuDeviceGetCount(int* count) {
  *count = 1;
  return CUDA_SUCCESS;
}
MOCK_EXPORT CUresult cuDeviceGet(CUdevice* device, int ordinal) {
  if (ordinal != 0) return CUDA_ERROR_INVALID_DEVICE;
  *device = 0;
  return CUDA_SUCCESS;
}
MOCK_EXPORT CUresult cuCtxGetCurrent(CUcontext* context) {
  *context = reinterpret_cast<CUcontext>(0x1);
  return CUDA_SUCCESS;
}
MOCK_EXPORT CUresult cuCtxSynchronize() {
  sleep_until(process_tail_ns.load());
  return CUDA_SUCCESS;
}
MOCK_EXPORT CUresult cuModuleLoadData(CUmodule* module, const void*) {
  *module = reinterpret_cast<CUmodule>(0x2);
  return CUDA_SUCCESS;
}
MOCK_EXPORT CUresult cuModuleGetFunction(CUfunction* function, CUmodule, const char* name) {
  if (function == nullptr || name == nullptr || std::strncmp(name, "sleep_us_", 9) != 0) {
    return CUDA_ERROR_NOT_FOUND;
  }
  *function = new CUfunc_st{std::atoll(name + 9) * 1000};
  return CUDA_SUCCESS;
}

// Memory.
MOCK_EXPORT CUresult cuMemAlloc_v2(CUdeviceptr* dptr, size_t bytes) {
  return allocate(dptr, bytes);
}
MOCK_EXPORT CUresult cuMemAllocManaged(CUdeviceptr* dptr, size_t bytes, unsigned int) {
  return allocate(dptr, bytes);
}
MOCK_EXPORT CUresult cuMemAllocAsync(CUdeviceptr* dptr, size_t bytes, CUstream) {
  return allocate(dptr, bytes);
}
MOCK_EXPORT CUresult cuMemAllocAsync_ptsz(CUdeviceptr* dptr, size_t bytes, CUstream) {
  return allocate(dptr, bytes);
}
MOCK_EXPORT CUresult cuMemAllocFromPoolAsync(CUdeviceptr* dptr, size_t bytes, CUmemoryPool,
                                             CUstream) {
  return allocate(dptr, bytes);
}
MOCK_EXPORT CUresult cuMemAllocFromPoolAsync_ptsz(CUdeviceptr* dptr, size_t bytes, CUmemoryPool,
                                                  CUstream) {
  return allocate(dptr, bytes);
}
MOCK_EXPORT CUresult cuMemAllocPitch_v2(CUdeviceptr* dptr, size_t* pitch, size_t width,
                                        size_t height, unsigned int) {
  if (pitch == nullptr) return CUDA_ERROR_INVALID_VALUE;
  *pitch = (width + 511) / 512 * 512;
  return allocate(dptr, *pitch * height);
}
MOCK_EXPORT CUresult cuMemFree_v2(CUdeviceptr dptr) { return release(dptr); }
MOCK_EXPORT CUresult cuMemFreeAsync(CUdeviceptr dptr, CUstream) { return release(dptr); }
MOCK_EXPORT CUresult cuMemFreeAsync_ptsz(CUdeviceptr dptr, CUstream) { return release(dptr); }
MOCK_EXPORT CUresult cuMemCreate(CUmemGenericAllocationHandle* handle, size_t bytes,
                                 const CUmemAllocationProp*, unsigned long long) {
  CUdeviceptr address = 0;
  const CUresult result = allocate(&address, bytes);
  if (result == CUDA_SUCCESS) *handle = address;
  return result;
}
MOCK_EXPORT CUresult cuMemRelease(CUmemGenericAllocationHandle handle) { return release(handle); }
MOCK_EXPORT CUresult cuArrayCreate_v2(CUarray* handle, const CUDA_ARRAY_DESCRIPTOR*) {
  *handle = new CUarray_st{};
  return CUDA_SUCCESS;
}
MOCK_EXPORT CUresult cuArray3DCreate_v2(CUarray* handle, const CUDA_ARRAY3D_DESCRIPTOR*) {
  *handle = new CUarray_st{};
  return CUDA_SUCCESS;
}
MOCK_EXPORT CUresult cuArrayDestroy(CUarray handle) {
  delete handle;
  return CUDA_SUCCESS;
}
MOCK_EXPORT CUresult cuMipmappedArrayCreate(CUmipmappedArray* handle,
                                            const CUDA_ARRAY3D_DESCRIPTOR*, unsigned int) {
  *handle = new CUmipmappedArray_st{};
  return CUDA_SUCCESS;
}
MOCK_EXPORT CUresult cuMipmappedArrayDestroy(CUmipmappedArray handle) {
  delete handle;
  return CUDA_SUCCESS;
}
MOCK_EXPORT CUresult cuMemGetInfo_v2(size_t* free, size_t* total) {
  *total = mock::device_memory_total();
  *free = *total - mock::device_memory_used();
  return CUDA_SUCCESS;
}

// Streams and events.
MOCK_EXPORT CUresult cuStreamCreate(CUstream* stream, unsigned int) {
  *stream = new CUstream_st{};
  return CUDA_SUCCESS;
}
MOCK_EXPORT CUresult cuStreamSynchronize(CUstream stream) {
  sleep_until(resolve(stream, false)->tail_ns.load());
  return CUDA_SUCCESS;
}
MOCK_EXPORT CUresult cuEventCreate(CUevent* event, unsigned int) {
  *event = new CUevent_st{};
  return CUDA_SUCCESS;
}
MOCK_EXPORT CUresult cuEventDestroy_v2(CUevent event) {
  delete event;
  return CUDA_SUCCESS;
}
MOCK_EXPORT CUresult cuEventRecord(CUevent event, CUstream stream) {
  return record_event(event, stream, false);
}
MOCK_EXPORT CUresult cuEventRecord_ptsz(CUevent event, CUstream stream) {
  return record_event(event, stream, true);
}
MOCK_EXPORT CUresult cuEventQuery(CUevent event) {
  const int64_t done = event->done_ns.load();
  return done <= monotonic_now_ns() ? CUDA_SUCCESS : CUDA_ERROR_NOT_READY;
}
MOCK_EXPORT CUresult cuEventSynchronize(CUevent event) {
  sleep_until(event->done_ns.load());
  return CUDA_SUCCESS;
}
MOCK_EXPORT CUresult cuEventElapsedTime_v2(float* ms, CUevent start, CUevent end) {
  if (cuEventQuery(start) != CUDA_SUCCESS || cuEventQuery(end) != CUDA_SUCCESS) {
    return CUDA_ERROR_NOT_READY;
  }
  *ms = static_cast<float>(end->done_ns.load() - start->done_ns.load()) / 1e6f;
  return CUDA_SUCCESS;
}

// Launches.
MOCK_EXPORT CUresult cuLaunchKernel(CUfunction f, unsigned, unsigned, unsigned, unsigned, unsigned,
                                    unsigned, unsigned, CUstream stream, void**, void**) {
  return run_kernel(f, stream, false);
}
MOCK_EXPORT CUresult cuLaunchKernel_ptsz(CUfunction f, unsigned, unsigned, unsigned, unsigned,
                                         unsigned, unsigned, unsigned, CUstream stream, void**,
                                         void**) {
  return run_kernel(f, stream, true);
}
MOCK_EXPORT CUresult cuLaunchCooperativeKernel(CUfunction f, unsigned, unsigned, unsigned, unsigned,
                                               unsigned, unsigned, unsigned, CUstream stream,
                                               void**) {
  return run_kernel(f, stream, false);
}
MOCK_EXPORT CUresult cuLaunchCooperativeKernel_ptsz(CUfunction f, unsigned, unsigned, unsigned,
                                                    unsigned, unsigned, unsigned, unsigned,
                                                    CUstream stream, void**) {
  return run_kernel(f, stream, true);
}
MOCK_EXPORT CUresult cuLaunchKernelEx(const CUlaunchConfig* config, CUfunction f, void**, void**) {
  return config == nullptr ? CUDA_ERROR_INVALID_VALUE : run_kernel(f, config->hStream, false);
}
MOCK_EXPORT CUresult cuLaunchKernelEx_ptsz(const CUlaunchConfig* config, CUfunction f, void**,
                                           void**) {
  return config == nullptr ? CUDA_ERROR_INVALID_VALUE : run_kernel(f, config->hStream, true);
}
MOCK_EXPORT CUresult cuGraphLaunch(CUgraphExec graph, CUstream stream) {
  return run_kernel(reinterpret_cast<CUfunc_st*>(graph), stream, false);
}
MOCK_EXPORT CUresult cuGraphLaunch_ptsz(CUgraphExec graph, CUstream stream) {
  return run_kernel(reinterpret_cast<CUfunc_st*>(graph), stream, true);
}

MOCK_EXPORT int64_t fastgpu_mock_busy_ns(int64_t from_ns, int64_t to_ns) {
  return mock::busy_ns_between(from_ns, to_ns);
}

// Entry-point lookup, the way CUDA 11.3+ runtimes find the driver: the newest ABI of a name
// ("cuMemAlloc" -> cuMemAlloc_v2), the per-thread flavour when the flags ask for it.
namespace {

struct MockSymbol {
  const char* name;
  void* address;
};
#define MOCK_SYMBOL(symbol, query, version, flavour, hooked) \
  {#symbol, reinterpret_cast<void*>(&::symbol)},
const MockSymbol kMockSymbols[] = {FASTGPU_DRIVER_FUNCTIONS(MOCK_SYMBOL)};
#undef MOCK_SYMBOL

void* find_mock_symbol(const std::string& name) {
  for (const MockSymbol& symbol : kMockSymbols) {
    if (name == symbol.name) return symbol.address;
  }
  return nullptr;
}

CUresult lookup(const char* symbol, void** pfn, cuuint64_t flags) {
  if (symbol == nullptr || pfn == nullptr) return CUDA_ERROR_INVALID_VALUE;
  const std::string base = symbol;
  std::string candidates[] = {base + "_v2", base};
  if (flags & CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM) {
    if ((*pfn = find_mock_symbol(base + "_ptsz")) != nullptr) return CUDA_SUCCESS;
  }
  for (const std::string& candidate : candidates) {
    if ((*pfn = find_mock_symbol(candidate)) != nullptr) return CUDA_SUCCESS;
  }
  return CUDA_ERROR_NOT_FOUND;
}

}  // namespace

MOCK_EXPORT CUresult cuGetProcAddress_v2(const char* symbol, void** pfn, int, cuuint64_t flags,
                                         CUdriverProcAddressQueryResult* status) {
  const CUresult result = lookup(symbol, pfn, flags);
  if (status != nullptr) {
    *status =
        result == CUDA_SUCCESS ? CU_GET_PROC_ADDRESS_SUCCESS : CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND;
  }
  return result;
}

MOCK_EXPORT CUresult cuGetProcAddress_v1(const char* symbol, void** pfn, int, cuuint64_t flags) {
  return lookup(symbol, pfn, flags);
}

// NVML's memory query for the whole fake device (the shim rewrites it to the vGPU's view).
struct MockNvmlMemory {
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
};
MOCK_EXPORT int nvmlDeviceGetMemoryInfo(void*, MockNvmlMemory* memory) {
  memory->total = mock::device_memory_total();
  memory->used = mock::device_memory_used();
  memory->free = memory->total - memory->used;
  return 0;
}
