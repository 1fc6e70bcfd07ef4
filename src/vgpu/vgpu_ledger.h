#pragma once
// The shared-memory ledger of one vGPU, mapped by every process of that vGPU: its memory limit
// and use (per process, so a dead process's memory can be reaped), and its compute budget.
// Named /fastgpu-vgpu-<id>; it outlives its processes and is removed by fastgpud with the vGPU.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "vgpu/shared_region.h"
#include "vgpu/vgpu_config.h"

namespace fastgpu::vgpu {

// Most processes one vGPU can have attached at once.
inline constexpr int kMaxLedgerProcesses = 1024;

// The compute budget of a vGPU; see ComputeBudget. One word, updated with compare-and-swap.
struct BudgetCell {
  std::atomic<int64_t> state;  // ComputeBudget's "paid until" time, low bit = throttled
};

// One vGPU's ledger, as seen by this process. Thread-safe.
class VgpuLedger {
 public:
  // Opens (creating if needed) the ledger of `config.vgpu_id` and claims a process slot. The
  // first process sets the limit and share; later ones use the ledger's. Null with `error` set
  // on failure, including when kMaxLedgerProcesses live processes hold slots.
  static std::unique_ptr<VgpuLedger> attach(const VgpuConfig& config, std::string* error);

  // Deletes the ledger of `vgpu_id` (mappings stay valid). For fastgpud when a vGPU goes.
  static void remove(const std::string& vgpu_id);

  // The shared-memory name of `vgpu_id`'s ledger.
  static std::string name_of(const std::string& vgpu_id);

  // Adds `bytes` to this process's use unless the vGPU's total would pass its limit; then it
  // first reaps dead processes' memory and tries once more. False: over the limit.
  bool try_reserve(uint64_t bytes);

  // Gives back `bytes` this process reserved.
  void release(uint64_t bytes);

  // Gives back everything this process holds and frees its slot (at exit). Idempotent.
  void detach();

  // In a forked child: lets go of the parent's slot without touching it (the parent still
  // holds it), then claims a fresh one. The child owns none of its parent's device memory.
  bool reattach_after_fork(std::string* error);

  uint64_t memory_limit() const;
  uint64_t memory_used() const;
  uint32_t compute_share() const;
  BudgetCell* budget() const;

  // Processes holding slots, counting dead ones not yet reaped.
  int attached_processes() const;

 private:
  struct Layout;
  explicit VgpuLedger(SharedRegion region);
  Layout* layout() const;
  void repair_totals();
  int reap_locked();
  int claim_slot_locked();
  bool claim_slot(std::string* error);

  SharedRegion region_;
  int slot_ = -1;
};

}  // namespace fastgpu::vgpu
