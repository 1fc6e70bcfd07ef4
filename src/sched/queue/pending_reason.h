#pragma once
// Why a waiting task (or vGPU) has not started: the code the API and `fastgpu ps` show, and a
// sentence for people.

#include <optional>
#include <string>
#include <string_view>

namespace fastgpu {

/// The reason a queued task waits, as the last scheduling pass found it.
enum class PendingReason {
  kNone,          // not examined yet
  kResources,     // no node has what it asks free now
  kQuota,         // its project is at one of its limits
  kFairShare,     // a project further below its share is served first
  kPriority,      // tasks ahead of it (higher priority, or earlier) are considered first
  kVgpuBusy,      // its vGPU's slice is taken by the vGPU's other tasks
  kHeldForHead,   // a task that has waited past its patience holds the resource
  kNodeNotReady,  // what could hold it is not ready (its vGPU is not placed, or nodes are down)
  kPreempting,    // running tasks are being stopped to make room for it
};

/// The code of `reason`, as the API returns it ("resources", "quota", ...).
std::string_view pending_reason_code(PendingReason reason);
/// A sentence for people, saying what the code means.
std::string_view pending_reason_sentence(PendingReason reason);
/// The reason whose code is `code`; nullopt for an unknown code.
std::optional<PendingReason> pending_reason_from_code(std::string_view code);

}  // namespace fastgpu
