// A test program that drives the mock CUDA driver the ways real programs do, for the shim tests
// and benchmarks. It links the mock directly (the direct-symbol path) and can also reach it
// through dlsym or cuGetProcAddress. Each mode prints key=value lines.
//
//   vgpu_probe alloc direct|dlsym|procaddr CHUNK   allocate CHUNK bytes until refused
//   vgpu_probe kinds CHUNK                         every allocation path once, then freed
//   vgpu_probe hold BYTES                          allocate, print "held", sleep until killed
//   vgpu_probe load KERNEL_US FROM_NS TO_NS LAUNCHER   saturate the device, report busy time
//   vgpu_probe attach                              report when the shim finished initialising
//   vgpu_probe nvml                                NVML's memory view
#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "vgpu/driver_functions.h"
#include "vgpu/monotonic_clock.h"

extern "C" int64_t fastgpu_mock_busy_ns(int64_t from_ns, int64_t to_ns);

namespace {

using fastgpu::vgpu::monotonic_now_ns;
using AllocFn = CUresult (*)(CUdeviceptr*, size_t);
using FreeFn = CUresult (*)(CUdeviceptr);

void* driver_handle() {
  const char* path = std::getenv("FASTGPU_VGPU_DRIVER");
  return dlopen(path, RTLD_NOW | RTLD_NOLOAD);
}

// The allocation and free functions reached the way `path` names.
bool resolve_memory_functions(const std::string& path, AllocFn* alloc, FreeFn* free) {
  if (path == "direct") {
    *alloc = &cuMemAlloc_v2;
    *free = &cuMemFree_v2;
  } else if (path == "dlsym") {
    *alloc = reinterpret_cast<AllocFn>(dlsym(driver_handle(), "cuMemAlloc_v2"));
    *free = reinterpret_cast<FreeFn>(dlsym(driver_handle(), "cuMemFree_v2"));
  } else if (path == "procaddr") {
    using GetProc =
        CUresult (*)(const char*, void**, int, cuuint64_t, CUdriverProcAddressQueryResult*);
    auto get = reinterpret_cast<GetProc>(dlsym(driver_handle(), "cuGetProcAddress_v2"));
    if (get == nullptr) return false;
    get("cuMemAlloc", reinterpret_cast<void**>(alloc), 12000, 0, nullptr);
    get("cuMemFree", reinterpret_cast<void**>(free), 12000, 0, nullptr);
  } else {
    return false;
  }
  return *alloc != nullptr && *free != nullptr;
}

void print_memory_info(const char* label) {
  size_t free = 0, total = 0;
  const CUresult result = cuMemGetInfo_v2(&free, &total);
  std::printf("%s_result=%d %s_free=%zu %s_total=%zu\n", label, result, label, free, label, total);
}

int alloc_until_refused(const std::string& path, size_t chunk) {
  AllocFn alloc = nullptr;
  FreeFn free = nullptr;
  if (!resolve_memory_functions(path, &alloc, &free)) return 2;
  std::vector<CUdeviceptr> held;
  CUresult result = CUDA_SUCCESS;
  for (;;) {
    CUdeviceptr pointer = 0;
    result = alloc(&pointer, chunk);
    if (result != CUDA_SUCCESS) break;
    held.push_back(pointer);
  }
  std::printf("allocated=%zu bytes=%zu refusal=%d\n", held.size(), held.size() * chunk, result);
  print_memory_info("during");
  for (CUdeviceptr pointer : held) free(pointer);
  print_memory_info("after");
  return 0;
}

// Runs `make` with room for one chunk (must succeed) and `make_big` that needs two (must be
// refused), then `release`. Prints "<name>=ok" or what went wrong.
template <typename Make, typename MakeBig, typename Release>
void check_kind(const char* name, Make make, MakeBig make_big, Release release) {
  const CUresult fits = make();
  const CUresult too_big = make_big();
  const CUresult freed = fits == CUDA_SUCCESS ? release() : CUDA_ERROR_UNKNOWN;
  const bool ok =
      fits == CUDA_SUCCESS && too_big == CUDA_ERROR_OUT_OF_MEMORY && freed == CUDA_SUCCESS;
  std::printf("%s=%s fits=%d too_big=%d freed=%d\n", name, ok ? "ok" : "wrong", fits, too_big,
              freed);
}

int every_allocation_kind(size_t chunk) {
  CUdeviceptr p = 0, q = 0;
  size_t pitch = 0;
  check_kind(
      "managed", [&] { return cuMemAllocManaged(&p, chunk, 1); },
      [&] { return cuMemAllocManaged(&q, chunk, 1); }, [&] { return cuMemFree_v2(p); });
  check_kind(
      "async", [&] { return cuMemAllocAsync(&p, chunk, nullptr); },
      [&] { return cuMemAllocAsync(&q, chunk, nullptr); },
      [&] { return cuMemFreeAsync(p, nullptr); });
  check_kind(
      "pool", [&] { return cuMemAllocFromPoolAsync(&p, chunk, nullptr, nullptr); },
      [&] { return cuMemAllocFromPoolAsync(&q, chunk, nullptr, nullptr); },
      [&] { return cuMemFreeAsync(p, nullptr); });
  check_kind(
      "pitch", [&] { return cuMemAllocPitch_v2(&p, &pitch, chunk / 64, 64, 4); },
      [&] { return cuMemAllocPitch_v2(&q, &pitch, chunk / 64, 64, 4); },
      [&] { return cuMemFree_v2(p); });
  CUmemGenericAllocationHandle h = 0, g = 0;
  check_kind(
      "create", [&] { return cuMemCreate(&h, chunk, nullptr, 0); },
      [&] { return cuMemCreate(&g, chunk, nullptr, 0); }, [&] { return cuMemRelease(h); });
  CUarray a = nullptr, b = nullptr;
  const CUDA_ARRAY3D_DESCRIPTOR cube{chunk / 4 / 16 / 16, 16, 16, CU_AD_FORMAT_FLOAT, 1, 0};
  check_kind(
      "array3d", [&] { return cuArray3DCreate_v2(&a, &cube); },
      [&] { return cuArray3DCreate_v2(&b, &cube); }, [&] { return cuArrayDestroy(a); });
  return 0;
}

int hold(size_t bytes) {
  CUdeviceptr pointer = 0;
  const CUresult result = cuMemAlloc_v2(&pointer, bytes);
  std::printf("held=%d\n", result);
  std::fflush(stdout);
  pause();
  return 0;
}

// Launches one kernel the way `launcher` names.
CUresult launch(const std::string& launcher, CUfunction f, CUstream stream) {
  if (launcher == "kernel") return cuLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, stream, nullptr, nullptr);
  if (launcher == "ptsz") {
    return cuLaunchKernel_ptsz(f, 1, 1, 1, 1, 1, 1, 0, stream, nullptr, nullptr);
  }
  if (launcher == "cooperative") {
    return cuLaunchCooperativeKernel(f, 1, 1, 1, 1, 1, 1, 0, stream, nullptr);
  }
  if (launcher == "graph") return cuGraphLaunch(reinterpret_cast<CUgraphExec>(f), stream);
  CUlaunchConfig config{};
  config.gridDimX = config.gridDimY = config.gridDimZ = 1;
  config.blockDimX = config.blockDimY = config.blockDimZ = 1;
  config.hStream = stream;
  return cuLaunchKernelEx(&config, f, nullptr, nullptr);
}

// Nanoseconds this thread has spent runnable but waiting for a CPU (the second field of
// /proc/thread-self/schedstat), or 0 where the kernel does not report it.
long long cpu_wait_ns() {
  std::FILE* file = std::fopen("/proc/thread-self/schedstat", "r");
  if (file == nullptr) return 0;
  long long on_cpu = 0, waited = 0;
  const int read = std::fscanf(file, "%lld %lld", &on_cpu, &waited);
  std::fclose(file);
  return read == 2 ? waited : 0;
}

// Keeps two kernels queued (as a busy training loop does) until `to_ns`. Reports the device
// time it got in [from_ns, to_ns) and how long it waited for a CPU in that window: a starved
// process cannot feed the device, whatever the controller allows.
int saturate(long kernel_us, int64_t from_ns, int64_t to_ns, const std::string& launcher) {
  CUmodule module = nullptr;
  CUfunction kernel = nullptr;
  cuModuleLoadData(&module, nullptr);
  if (cuModuleGetFunction(&kernel, module, ("sleep_us_" + std::to_string(kernel_us)).c_str()) !=
      CUDA_SUCCESS) {
    return 2;
  }
  CUstream stream = nullptr;
  cuStreamCreate(&stream, 0);
  std::deque<CUevent> in_flight;
  long launches = 0;
  long long waited_before_window = -1;
  for (int64_t now; (now = monotonic_now_ns()) < to_ns;) {
    if (waited_before_window < 0 && now >= from_ns) waited_before_window = cpu_wait_ns();
    if (launch(launcher, kernel, stream) != CUDA_SUCCESS) return 3;
    ++launches;
    CUevent done = nullptr;
    cuEventCreate(&done, 0);
    cuEventRecord(done, stream);
    in_flight.push_back(done);
    if (in_flight.size() >= 2) {
      cuEventSynchronize(in_flight.front());
      cuEventDestroy_v2(in_flight.front());
      in_flight.pop_front();
    }
  }
  const long long cpu_waited = waited_before_window < 0 ? 0 : cpu_wait_ns() - waited_before_window;
  std::printf("busy_ns=%lld window_ns=%lld launches=%ld cpu_wait_ns=%lld\n",
              static_cast<long long>(fastgpu_mock_busy_ns(from_ns, to_ns)),
              static_cast<long long>(to_ns - from_ns), launches, cpu_waited);
  return 0;
}

int attach() {
  const int64_t started = monotonic_now_ns();
  cuInit(0);
  size_t free = 0, total = 0;
  const CUresult result = cuMemGetInfo_v2(&free, &total);
  std::printf("started=%lld ready=%lld result=%d\n", static_cast<long long>(started),
              static_cast<long long>(monotonic_now_ns()), result);
  return result == CUDA_SUCCESS ? 0 : 1;
}

int nvml() {
  struct Memory {
    unsigned long long total, free, used;
  } memory{};
  using Query = int (*)(void*, Memory*);
  auto query = reinterpret_cast<Query>(dlsym(driver_handle(), "nvmlDeviceGetMemoryInfo"));
  const int result = query == nullptr ? -1 : query(nullptr, &memory);
  std::printf("nvml_result=%d nvml_total=%llu nvml_used=%llu nvml_free=%llu\n", result,
              memory.total, memory.used, memory.free);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  const auto number = [&](size_t i) { return std::strtoll(args.at(i).c_str(), nullptr, 10); };
  if (args.empty()) return 2;
  if (args[0] == "alloc" && args.size() == 3) return alloc_until_refused(args[1], number(2));
  if (args[0] == "kinds" && args.size() == 2) return every_allocation_kind(number(1));
  if (args[0] == "hold" && args.size() == 2) return hold(number(1));
  if (args[0] == "load" && args.size() == 5) {
    return saturate(number(1), number(2), number(3), args[4]);
  }
  if (args[0] == "attach") return attach();
  if (args[0] == "nvml") return nvml();
  std::fprintf(stderr, "vgpu_probe: unknown mode or arguments\n");
  return 2;
}
