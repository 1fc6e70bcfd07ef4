#pragma once
// Who holds a TCP port: so that a daemon that cannot listen can name the process in its way.

#include <sys/types.h>

#include <optional>

namespace fastgpu {

/// The pid of a process with a socket listening on TCP `port` (IPv4 or IPv6), found through
/// /proc/net and /proc/PID/fd; nullopt when none is found or this user may not look.
std::optional<pid_t> pid_listening_on(int port);

}  // namespace fastgpu
