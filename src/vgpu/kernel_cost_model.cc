#include "vgpu/kernel_cost_model.h"

#include <algorithm>
#include <cstdio>

namespace fastgpu::vgpu {
namespace {

// A bijective mix of a counter (the finaliser of splitmix64): consecutive inputs give
// unrelated outputs.
uint64_t scramble(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

KernelCostModel::Entry* KernelCostModel::find_or_add(uint64_t key) {
  std::lock_guard lock(mutex_);
  auto& entry = entries_[key];
  if (entry == nullptr) entry = std::make_unique<Entry>();
  return entry.get();
}

bool KernelCostModel::on_launch(uint64_t key, int64_t* estimate_ns) {
  // The last key this thread launched, per model (one model per process outside tests).
  thread_local const KernelCostModel* cached_model = nullptr;
  thread_local uint64_t cached_key = 0;
  thread_local Entry* cached_entry = nullptr;
  if (cached_model != this || cached_key != key || cached_entry == nullptr) {
    cached_entry = find_or_add(key);
    cached_model = this;
    cached_key = key;
  }
  Entry& entry = *cached_entry;
  *estimate_ns = entry.estimate.load(std::memory_order_relaxed);
  const uint32_t launch = entry.launches.fetch_add(1, std::memory_order_relaxed);
  return entry.count.load(std::memory_order_relaxed) < kSamplesKept ||
         scramble(launch) % kSampleEvery == 0;
}

void KernelCostModel::record(uint64_t key, int64_t elapsed_ns) {
  Entry& entry = *find_or_add(key);
  std::lock_guard lock(mutex_);
  entry.samples[entry.next] = elapsed_ns;
  entry.next = (entry.next + 1) % kSamplesKept;
  const int count = std::min(entry.count.load(std::memory_order_relaxed) + 1, kSamplesKept);
  int64_t sorted[kSamplesKept] = {};
  std::copy(entry.samples, entry.samples + count, sorted);
  std::nth_element(sorted, sorted + count / 4, sorted + count);
  entry.estimate.store(sorted[count / 4], std::memory_order_relaxed);
  entry.count.store(count, std::memory_order_relaxed);
}

int64_t KernelCostModel::estimate(uint64_t key) {
  std::lock_guard lock(mutex_);
  auto found = entries_.find(key);
  return found == entries_.end() ? -1 : found->second->estimate.load(std::memory_order_relaxed);
}

std::string KernelCostModel::summary(size_t limit) {
  std::lock_guard lock(mutex_);
  std::string text;
  for (const auto& [key, entry] : entries_) {
    if (limit-- == 0) break;
    const int count = entry->count.load(std::memory_order_relaxed);
    if (count == 0) continue;
    const auto [low, high] = std::minmax_element(entry->samples, entry->samples + count);
    char item[80];
    std::snprintf(item, sizeof item, " %lld/%lld/%lld",
                  static_cast<long long>(entry->estimate.load(std::memory_order_relaxed) / 1000),
                  static_cast<long long>(*low / 1000), static_cast<long long>(*high / 1000));
    text += item;
  }
  return text;
}

uint64_t kernel_launch_key(const void* function, uint64_t grid_blocks, uint64_t block_threads) {
  uint64_t key = reinterpret_cast<uintptr_t>(function);
  key ^= grid_blocks * 0x9E3779B97F4A7C15ull;
  key ^= (block_threads + 0x632BE59BD9B4E019ull) * 0xC2B2AE3D27D4EB4Full;
  return key;
}

}  // namespace fastgpu::vgpu
