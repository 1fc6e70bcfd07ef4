// A compute-bound kernel for the compute-share checks.
//   gpu_compute_load calibrate                 the kernel's solo time (ms), alone on the GPU
//   gpu_compute_load load FROM_NS TO_NS        keep two kernels queued until TO_NS; report how
//                                              many completed inside [FROM_NS, TO_NS)
//   gpu_compute_load burst N                   N kernels back to back; report the wall time
//   gpu_compute_load launches N                N empty kernels; report the time per launch
#include <cuda_runtime.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>

namespace {

constexpr int kIterations = 500000;

__global__ void burn(float* out, int iterations) {
  float a = threadIdx.x * 1e-3f, b = 1.0001f;
  for (int i = 0; i < iterations; ++i) {
    a = fmaf(a, b, 0.5f);
    b = fmaf(b, 0.9999f, a * 1e-9f);
  }
  if (a == 12345.f) out[blockIdx.x] = a + b;  // keeps the loop alive
}

__global__ void empty() {}

long long now_ns() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int blocks() {
  int sms = 0;
  cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0);
  return sms * 4;
}

void launch_burn(float* out, cudaStream_t stream) {
  burn<<<blocks(), 256, 0, stream>>>(out, kIterations);
}

int calibrate(float* out) {
  cudaEvent_t start, stop;
  cudaEventCreate(&start);
  cudaEventCreate(&stop);
  float best = 1e9f;
  for (int i = 0; i < 30; ++i) {
    cudaEventRecord(start);
    launch_burn(out, nullptr);
    cudaEventRecord(stop);
    cudaEventSynchronize(stop);
    float ms = 0;
    cudaEventElapsedTime(&ms, start, stop);
    if (i >= 5 && ms < best) best = ms;
  }
  std::printf("solo_ms=%.4f\n", best);
  return 0;
}

int load(float* out, long long from, long long to) {
  cudaStream_t stream;
  cudaStreamCreate(&stream);
  std::deque<cudaEvent_t> in_flight;
  long completed_in_window = 0, launched = 0;
  while (now_ns() < to) {
    launch_burn(out, stream);
    ++launched;
    cudaEvent_t done;
    cudaEventCreateWithFlags(&done, cudaEventDisableTiming);
    cudaEventRecord(done, stream);
    in_flight.push_back(done);
    if (in_flight.size() >= 2) {
      cudaEventSynchronize(in_flight.front());
      const long long t = now_ns();
      if (t >= from && t < to) ++completed_in_window;
      cudaEventDestroy(in_flight.front());
      in_flight.pop_front();
    }
  }
  cudaDeviceSynchronize();
  std::printf("completed=%ld launched=%ld window_ms=%.1f\n", completed_in_window, launched,
              (to - from) / 1e6);
  return 0;
}

int burst(float* out, int n) {
  launch_burn(out, nullptr);
  cudaDeviceSynchronize();
  const long long start = now_ns();
  for (int i = 0; i < n; ++i) launch_burn(out, nullptr);
  cudaDeviceSynchronize();
  std::printf("burst_ms=%.3f kernels=%d\n", (now_ns() - start) / 1e6, n);
  return 0;
}

int launches(int n) {
  empty<<<1, 1>>>();
  cudaDeviceSynchronize();
  const long long start = now_ns();
  for (int i = 0; i < n; ++i) empty<<<1, 1>>>();
  const long long issued = now_ns();
  cudaDeviceSynchronize();
  std::printf("launch_us=%.4f total_ms=%.3f\n", (issued - start) / 1e3 / n, (now_ns() - start) / 1e6);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  float* out = nullptr;
  if (cudaMalloc(&out, 1 << 20) != cudaSuccess) return 2;
  if (argc >= 2 && std::strcmp(argv[1], "calibrate") == 0) return calibrate(out);
  if (argc == 4 && std::strcmp(argv[1], "load") == 0) {
    return load(out, std::atoll(argv[2]), std::atoll(argv[3]));
  }
  if (argc == 3 && std::strcmp(argv[1], "burst") == 0) return burst(out, std::atoi(argv[2]));
  if (argc == 3 && std::strcmp(argv[1], "launches") == 0) return launches(std::atoi(argv[2]));
  std::fprintf(stderr, "usage: gpu_compute_load calibrate|load FROM TO|burst N|launches N\n");
  return 2;
}
