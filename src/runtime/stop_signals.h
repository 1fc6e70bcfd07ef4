#pragma once
// How fastgpud and fastgpu-agent learn they must stop (SIGINT, SIGTERM) or reread their
// configuration (SIGHUP): taken by one thread with sigwait rather than by a handler.

namespace fastgpu {

/// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread and ignores SIGPIPE. Call first
/// thing in main(), so that every thread started later inherits the mask.
void block_control_signals();

/// Waits until SIGINT, SIGTERM or SIGHUP arrives (they must be blocked, see
/// block_control_signals) and returns its number.
int wait_for_control_signal();

}  // namespace fastgpu
