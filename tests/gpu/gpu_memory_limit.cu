// Allocates through the CUDA runtime (which reaches the driver through cuGetProcAddress) until
// refused, and reports what the vGPU's limit let through and what cudaMemGetInfo says.
// Prints key=value lines; run under libfastgpu-vgpu with FASTGPU_VGPU_MEMORY_LIMIT set.
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  const size_t chunk = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : (size_t{256} << 20);
  if (cudaFree(nullptr) != cudaSuccess) return 2;
  std::vector<void*> held;
  cudaError_t refusal = cudaSuccess;
  for (;;) {
    void* p = nullptr;
    refusal = cudaMalloc(&p, chunk);
    if (refusal != cudaSuccess) break;
    held.push_back(p);
  }
  cudaGetLastError();
  void* one_byte = nullptr;
  const cudaError_t one_more = cudaMalloc(&one_byte, 1);
  cudaGetLastError();
  size_t free = 0, total = 0;
  cudaMemGetInfo(&free, &total);
  std::printf("allocated_bytes=%zu chunks=%zu refusal=%d one_more_byte=%d free=%zu total=%zu\n",
              held.size() * chunk, held.size(), refusal, one_more, free, total);
  // Freed memory is credited: a chunk fits again.
  cudaFree(held.back());
  held.pop_back();
  void* again = nullptr;
  std::printf("after_free_refit=%d\n", cudaMalloc(&again, chunk));
  return 0;
}
