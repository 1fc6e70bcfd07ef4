#include "vgpu/kernel_cost_model.h"

#include <algorithm>

namespace fastgpu::vgpu {

bool KernelCostModel::on_launch(uint64_t key, int64_t* estimate_ns) {
  std::lock_guard lock(mutex_);
  Entry& entry = entries_[key];
  *estimate_ns = entry.minimum;
  const uint32_t launch = entry.launches++;
  return entry.count < kSamplesKept || launch % kSampleEvery == 0;
}

void KernelCostModel::record(uint64_t key, int64_t elapsed_ns) {
  std::lock_guard lock(mutex_);
  Entry& entry = entries_[key];
  entry.samples[entry.next] = elapsed_ns;
  entry.next = (entry.next + 1) % kSamplesKept;
  entry.count = std::min(entry.count + 1, kSamplesKept);
  update_minimum(entry);
}

int64_t KernelCostModel::estimate(uint64_t key) {
  std::lock_guard lock(mutex_);
  auto found = entries_.find(key);
  return found == entries_.end() ? -1 : found->second.minimum;
}

void KernelCostModel::update_minimum(Entry& entry) {
  entry.minimum = *std::min_element(entry.samples, entry.samples + entry.count);
}

uint64_t kernel_launch_key(const void* function, uint64_t grid_blocks, uint64_t block_threads) {
  uint64_t key = reinterpret_cast<uintptr_t>(function);
  key ^= grid_blocks * 0x9E3779B97F4A7C15ull;
  key ^= (block_threads + 0x632BE59BD9B4E019ull) * 0xC2B2AE3D27D4EB4Full;
  return key;
}

}  // namespace fastgpu::vgpu
