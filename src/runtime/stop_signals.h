#pragma once
// How fastgpud and fastgpu-agent learn they must stop: SIGINT or SIGTERM, taken by one thread
// with sigwait rather than by a handler.

namespace fastgpu {

/// Blocks SIGINT and SIGTERM in the calling thread and ignores SIGPIPE. Call first thing in
/// main(), so that every thread started later inherits the mask.
void block_stop_signals();

/// Waits until SIGINT or SIGTERM arrives (they must be blocked, see block_stop_signals) and
/// returns its number.
int wait_for_stop_signal();

}  // namespace fastgpu
