#include "server/loop/vgpu_expiry.h"

namespace fastgpu {
namespace {

// "30 s", "1.5 s" for reasons.
std::string seconds_text(int64_t ms) {
  std::string text = std::to_string(ms / 1000);
  if (ms % 1000 != 0) {
    std::string fraction = std::to_string(1000 + ms % 1000).substr(1);
    while (fraction.back() == '0') fraction.pop_back();
    text += "." + fraction;
  }
  return text + " s";
}

}  // namespace

void VgpuExpiry::track(const VgpuRecord& vgpu, int64_t now_us) {
  const VgpuSpec& spec = vgpu.spec;
  if (spec.lease_ms == 0 && spec.ttl_ms == 0 && spec.idle_timeout_ms == 0) return;
  Timers timers;
  timers.spec = spec;
  if (spec.ttl_ms > 0) timers.ttl_end_us = vgpu.created_at_us + spec.ttl_ms * 1000;
  if (spec.lease_ms > 0) timers.lease_end_us = now_us + spec.lease_ms * 1000;
  timers_[vgpu.id] = timers;
}

void VgpuExpiry::forget(VgpuId id) { timers_.erase(id); }

int64_t VgpuExpiry::renew(VgpuId id, int64_t now_us) {
  auto it = timers_.find(id);
  if (it == timers_.end() || it->second.spec.lease_ms == 0 || it->second.released) return 0;
  it->second.lease_end_us = now_us + it->second.spec.lease_ms * 1000;
  return it->second.lease_end_us;
}

void VgpuExpiry::release(VgpuId id, const VgpuSpec& spec, int64_t now_us) {
  Timers& timers = timers_[id];
  if (timers.spec.owner.empty()) timers.spec = spec;  // not tracked so far
  timers.released = true;
  timers.lease_end_us = now_us;
}

std::vector<VgpuReclaim> VgpuExpiry::due(int64_t now_us, const std::function<bool(VgpuId)>& busy) {
  std::vector<VgpuReclaim> out;
  for (auto& [id, t] : timers_) {
    if (t.ttl_end_us > 0 && now_us >= t.ttl_end_us) {
      out.push_back({id, true, "its ttl of " + seconds_text(t.spec.ttl_ms) + " ran out"});
      continue;
    }
    const bool lease_lapsed = t.lease_end_us > 0 && now_us >= t.lease_end_us;
    if (!lease_lapsed && t.spec.idle_timeout_ms == 0) continue;
    if (busy(id)) {
      t.idle_since_us = 0;
      continue;
    }
    if (t.idle_since_us == 0) t.idle_since_us = now_us;
    if (lease_lapsed) {
      out.push_back({id, false,
                     t.released ? "released by its owner"
                                : "its lease lapsed (not renewed for " +
                                      seconds_text(t.spec.lease_ms) + ")"});
    } else if (now_us - t.idle_since_us >= t.spec.idle_timeout_ms * 1000) {
      out.push_back({id, false, "idle for " + seconds_text(t.spec.idle_timeout_ms)});
    }
  }
  return out;
}

}  // namespace fastgpu
