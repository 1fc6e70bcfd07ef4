// What libfastgpu-vgpu adds to a cuLaunchKernel and to a cuMemAlloc/cuMemFree pair, against
// calling the mock driver directly. The shim runs with enforcement on: a vGPU capped at 500
// milli with a memory limit, so every launch goes through the budget, the device timeline and
// the sampling, and every allocation through the shared ledger. The mock kernel takes no
// simulated time, so the budget never makes a launch wait: what is left is the cost itself.
#include <benchmark/benchmark.h>
#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "vgpu/driver_functions.h"
#include "vgpu/shared_region.h"
#include "vgpu/vgpu_ledger.h"

namespace {

using LaunchFn = decltype(&cuLaunchKernel);
using AllocFn = decltype(&cuMemAlloc_v2);
using FreeFn = decltype(&cuMemFree_v2);

// The mock opened directly, and the shim (which finds the mock through FASTGPU_VGPU_DRIVER).
struct Entry {
  LaunchFn launch;
  AllocFn alloc;
  FreeFn free;
};

struct Libraries {
  Entry direct{};
  Entry shim{};
  CUfunction kernel = nullptr;
  std::string vgpu_id;
  std::string device;
};

Entry resolve(void* library) {
  return {reinterpret_cast<LaunchFn>(dlsym(library, "cuLaunchKernel")),
          reinterpret_cast<AllocFn>(dlsym(library, "cuMemAlloc_v2")),
          reinterpret_cast<FreeFn>(dlsym(library, "cuMemFree_v2"))};
}

const Libraries& libraries() {
  static const Libraries loaded = [] {
    Libraries l;
    l.vgpu_id = "bench" + std::to_string(getpid());
    l.device = "benchdev" + std::to_string(getpid());
    setenv("FASTGPU_VGPU_DRIVER", FASTGPU_MOCK_DRIVER, 1);
    setenv("MOCK_CUDA_DEVICE", l.device.c_str(), 1);
    setenv("CUDA_VISIBLE_DEVICES", l.device.c_str(), 1);
    setenv("FASTGPU_VGPU_ID", l.vgpu_id.c_str(), 1);
    setenv("FASTGPU_VGPU_MEMORY_LIMIT", "1099511627776", 1);
    setenv("FASTGPU_VGPU_COMPUTE_SHARE", "500", 1);
    void* mock = dlopen(FASTGPU_MOCK_DRIVER, RTLD_NOW | RTLD_GLOBAL);
    void* shim = dlopen(FASTGPU_VGPU_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (mock == nullptr || shim == nullptr) {
      std::fprintf(stderr, "cannot open the mock driver or the shim: %s\n", dlerror());
      std::exit(2);
    }
    l.direct = resolve(mock);
    l.shim = resolve(shim);
    using GetFunction = CUresult (*)(CUfunction*, CUmodule, const char*);
    auto get = reinterpret_cast<GetFunction>(dlsym(mock, "cuModuleGetFunction"));
    get(&l.kernel, nullptr, "sleep_us_0");
    return l;
  }();
  return loaded;
}

void BM_LaunchKernel(benchmark::State& state, bool through_shim) {
  const Libraries& l = libraries();
  const LaunchFn launch = through_shim ? l.shim.launch : l.direct.launch;
  for (auto _ : state) {
    benchmark::DoNotOptimize(launch(l.kernel, 1, 1, 1, 1, 1, 1, 0, nullptr, nullptr, nullptr));
  }
}

void BM_MemAllocFree(benchmark::State& state, bool through_shim) {
  const Libraries& l = libraries();
  const Entry& entry = through_shim ? l.shim : l.direct;
  for (auto _ : state) {
    CUdeviceptr pointer = 0;
    benchmark::DoNotOptimize(entry.alloc(&pointer, 1 << 20));
    entry.free(pointer);
  }
}

BENCHMARK_CAPTURE(BM_LaunchKernel, direct, false);
BENCHMARK_CAPTURE(BM_LaunchKernel, shim, true);
BENCHMARK_CAPTURE(BM_MemAllocFree, direct, false);
BENCHMARK_CAPTURE(BM_MemAllocFree, shim, true);

// Leaves no shared memory behind.
struct Cleanup {
  ~Cleanup() {
    const Libraries& l = libraries();
    fastgpu::vgpu::VgpuLedger::remove(l.vgpu_id);
    fastgpu::vgpu::SharedRegion::remove(fastgpu::vgpu::region_name("fastgpu-mock-", l.device));
    fastgpu::vgpu::SharedRegion::remove(fastgpu::vgpu::region_name("fastgpu-gpu-", l.device));
  }
} cleanup;

}  // namespace

BENCHMARK_MAIN();
