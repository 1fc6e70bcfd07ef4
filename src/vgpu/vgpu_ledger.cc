#include "vgpu/vgpu_ledger.h"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <new>

#include "vgpu/process_liveness.h"
#include "vgpu/robust_mutex.h"

namespace fastgpu::vgpu {
namespace {

constexpr uint32_t kLedgerLayoutVersion = 3;

// One attached process; guarded by Layout::memory_mutex.
struct ProcessSlot {
  int32_t pid;
  uint32_t unused;
  uint64_t start_ticks;
  uint64_t memory_used;
};

}  // namespace

struct VgpuLedger::Layout {
  RegionHeader header;
  uint64_t memory_limit;  // 0 = unlimited
  uint32_t compute_share;
  alignas(64) pthread_mutex_t memory_mutex;
  // Changed under memory_mutex; atomic so that they can be read without it.
  std::atomic<uint64_t> memory_used;  // the sum of the slots' memory_used
  std::atomic<int32_t> attached;      // slots with a pid
  alignas(64) BudgetCell budget;
  alignas(64) ProcessSlot slots[kMaxLedgerProcesses];
};

VgpuLedger::VgpuLedger(SharedRegion region) : region_(std::move(region)) {}

VgpuLedger::Layout* VgpuLedger::layout() const { return static_cast<Layout*>(region_.data()); }

std::string VgpuLedger::name_of(const std::string& vgpu_id) {
  return region_name("fastgpu-vgpu-", vgpu_id);
}

void VgpuLedger::remove(const std::string& vgpu_id) { SharedRegion::remove(name_of(vgpu_id)); }

std::unique_ptr<VgpuLedger> VgpuLedger::attach(const VgpuConfig& config, std::string* error) {
  auto initialise = [&config](void* data) {
    auto* fresh = new (data) Layout{};
    fresh->memory_limit = config.memory_limit;
    fresh->compute_share = config.compute_share;
    init_robust_mutex(&fresh->memory_mutex);
  };
  SharedRegion region;
  const std::string name =
      config.ledger_dir.empty() ? name_of(config.vgpu_id) : config.ledger_dir + "/ledger";
  if (!region.open(name, sizeof(Layout), kLedgerLayoutVersion, initialise, error)) {
    return nullptr;
  }
  std::unique_ptr<VgpuLedger> ledger(new VgpuLedger(std::move(region)));
  if (!ledger->claim_slot(error)) return nullptr;
  return ledger;
}

bool VgpuLedger::reattach_after_fork(std::string* error) {
  slot_ = -1;
  return claim_slot(error);
}

bool VgpuLedger::claim_slot(std::string* error) {
  Layout* l = layout();
  RobustLock lock(&l->memory_mutex, [this] { repair_totals(); });
  slot_ = claim_slot_locked();
  if (slot_ < 0) {
    reap_locked();
    slot_ = claim_slot_locked();
  }
  if (slot_ < 0) {
    *error = "vGPU ledger is full: " + std::to_string(kMaxLedgerProcesses) + " live processes";
    return false;
  }
  return true;
}

int VgpuLedger::claim_slot_locked() {
  Layout* l = layout();
  if (l->attached >= kMaxLedgerProcesses) return -1;
  for (int i = 0; i < kMaxLedgerProcesses; ++i) {
    ProcessSlot& slot = l->slots[i];
    if (slot.pid != 0) continue;
    slot.pid = static_cast<int32_t>(getpid());
    slot.start_ticks = process_start_ticks(getpid());
    slot.memory_used = 0;
    ++l->attached;
    return i;
  }
  return -1;
}

// After a process died holding the lock, rebuild the totals from the slots (each slot field is
// a single store, so the slots are consistent even when the totals are not).
void VgpuLedger::repair_totals() {
  Layout* l = layout();
  uint64_t used = 0;
  int32_t attached = 0;
  for (const ProcessSlot& slot : l->slots) {
    if (slot.pid == 0) continue;
    used += slot.memory_used;
    ++attached;
  }
  l->memory_used = used;
  l->attached = attached;
}

int VgpuLedger::reap_locked() {
  Layout* l = layout();
  int reaped = 0;
  for (int i = 0; i < kMaxLedgerProcesses; ++i) {
    ProcessSlot& slot = l->slots[i];
    if (slot.pid == 0 || i == slot_ || process_alive(slot.pid, slot.start_ticks)) continue;
    l->memory_used -= slot.memory_used;
    slot.memory_used = 0;
    slot.pid = 0;
    --l->attached;
    ++reaped;
  }
  return reaped;
}

bool VgpuLedger::try_reserve(uint64_t bytes) {
  Layout* l = layout();
  RobustLock lock(&l->memory_mutex, [this] { repair_totals(); });
  if (slot_ < 0) return false;
  const auto fits = [l, bytes] {
    return l->memory_limit == 0 ||
           (l->memory_used <= l->memory_limit && bytes <= l->memory_limit - l->memory_used);
  };
  if (!fits() && (reap_locked() == 0 || !fits())) return false;
  l->slots[slot_].memory_used += bytes;
  l->memory_used += bytes;
  return true;
}

void VgpuLedger::release(uint64_t bytes) {
  Layout* l = layout();
  RobustLock lock(&l->memory_mutex, [this] { repair_totals(); });
  if (slot_ < 0) return;
  ProcessSlot& slot = l->slots[slot_];
  const uint64_t credited = bytes < slot.memory_used ? bytes : slot.memory_used;
  slot.memory_used -= credited;
  l->memory_used -= credited;
}

void VgpuLedger::detach() {
  Layout* l = layout();
  RobustLock lock(&l->memory_mutex, [this] { repair_totals(); });
  if (slot_ < 0) return;
  ProcessSlot& slot = l->slots[slot_];
  l->memory_used -= slot.memory_used;
  slot.memory_used = 0;
  slot.pid = 0;
  --l->attached;
  slot_ = -1;
}

uint64_t VgpuLedger::memory_limit() const { return layout()->memory_limit; }

uint64_t VgpuLedger::memory_used() const {
  return layout()->memory_used.load(std::memory_order_relaxed);
}

uint32_t VgpuLedger::compute_share() const { return layout()->compute_share; }

BudgetCell* VgpuLedger::budget() const { return &layout()->budget; }

int VgpuLedger::attached_processes() const {
  return layout()->attached.load(std::memory_order_relaxed);
}

}  // namespace fastgpu::vgpu
