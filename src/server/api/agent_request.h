#pragma once
// Reading what agents send (register and sync bodies) strictly, as task_request.h does for
// tasks: every field typed and ranged, unknown fields refused, errors naming the field.

#include <string_view>

#include "agent/agent_protocol.h"
#include "server/api/api_error.h"

namespace fastgpu {

/// Most GPUs one agent may report, and most task ids or exit reports one sync may carry.
inline constexpr size_t kMaxAgentGpus = 256;
inline constexpr size_t kMaxSyncItems = 100'000;
/// Longest a sync may be held by the daemon.
inline constexpr int64_t kMaxSyncWaitMs = 5'000;

/// Parses a POST /v1/agents/register body. 400 naming the field when malformed.
ApiError parse_register_request(std::string_view body, RegisterRequest* out);
/// Parses a POST /v1/agents/sync body. 400 naming the field when malformed.
ApiError parse_sync_request(std::string_view body, SyncRequest* out);

}  // namespace fastgpu
