#include "sched/queue/pending_reason.h"

#include <array>
#include <utility>

namespace fastgpu {
namespace {

struct ReasonText {
  PendingReason reason;
  std::string_view code;
  std::string_view sentence;
};

constexpr std::array<ReasonText, 9> kReasons{{
    {PendingReason::kNone, "none", "not yet examined by the scheduler"},
    {PendingReason::kResources, "resources",
     "no node has the GPUs, CPU or memory it asks free now"},
    {PendingReason::kQuota, "quota", "its project is at one of its limits"},
    {PendingReason::kFairShare, "fair_share",
     "projects further below their share are served first"},
    {PendingReason::kPriority, "priority",
     "tasks ahead of it (higher priority, or submitted earlier) are considered first"},
    {PendingReason::kVgpuBusy, "vgpu_busy", "its vGPU's slice is in use by the vGPU's other tasks"},
    {PendingReason::kHeldForHead, "held_for_head",
     "a task that has waited past its patience holds the resources it waits for"},
    {PendingReason::kNodeNotReady, "node_not_ready",
     "what could hold it is not ready (its vGPU is not placed yet, or its nodes are down)"},
    {PendingReason::kPreempting, "preempting",
     "running tasks are being stopped to make room for it"},
}};

const ReasonText& text_of(PendingReason reason) {
  for (const ReasonText& text : kReasons) {
    if (text.reason == reason) return text;
  }
  return kReasons[0];
}

}  // namespace

std::string_view pending_reason_code(PendingReason reason) { return text_of(reason).code; }

std::string_view pending_reason_sentence(PendingReason reason) { return text_of(reason).sentence; }

std::optional<PendingReason> pending_reason_from_code(std::string_view code) {
  for (const ReasonText& text : kReasons) {
    if (text.code == code) return text.reason;
  }
  return std::nullopt;
}

}  // namespace fastgpu
