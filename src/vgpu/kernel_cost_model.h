#pragma once
// What one launch costs in device time, learnt from measurements. A launch is identified by a
// key (kernel and grid shape, or a graph). A measured elapsed time may include a wait for other
// processes' work, never less than the true cost; but the minimum of many samples is biased
// low, and reservations of the device built on it would end before the work does. The estimate
// is the lower quartile of the last kSamplesKept samples: robust both ways.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace fastgpu::vgpu {

// Per-process cost estimates. Thread-safe; on_launch() takes no lock once a thread has seen
// the key before (launch loops repeat the same kernels).
class KernelCostModel {
 public:
  static constexpr int kSamplesKept = 32;
  // Once kSamplesKept samples exist, one launch in kSampleEvery is still measured, picked
  // pseudo-randomly so that the samples do not fall in step with a periodic pattern (such as
  // the turns vGPUs take on the device).
  static constexpr uint32_t kSampleEvery = 16;

  // Records one launch of `key`: returns whether to measure it, and sets `estimate_ns` to the
  // current estimate (-1 while the key has no sample yet).
  bool on_launch(uint64_t key, int64_t* estimate_ns);

  // Adds a measured elapsed time for `key`.
  void record(uint64_t key, int64_t elapsed_ns);

  // The estimate of `key`, -1 when unknown.
  int64_t estimate(uint64_t key);

  // "estimate/min/max" in microseconds of the kept samples, for up to `limit` keys.
  std::string summary(size_t limit);

 private:
  struct Entry {
    // Written under the model's mutex, read without it.
    std::atomic<int64_t> estimate{-1};
    std::atomic<int> count{0};
    std::atomic<uint32_t> launches{0};
    // Guarded by the model's mutex.
    int64_t samples[kSamplesKept] = {};
    int next = 0;
  };
  Entry* find_or_add(uint64_t key);

  std::mutex mutex_;
  std::unordered_map<uint64_t, std::unique_ptr<Entry>> entries_;  // entries never move or go
};

// A key for a kernel launch: the function and the shape of its grid.
uint64_t kernel_launch_key(const void* function, uint64_t grid_blocks, uint64_t block_threads);

}  // namespace fastgpu::vgpu
