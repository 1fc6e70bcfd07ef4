#pragma once
// Finding the processes that lead their own process group, and where their standard output
// goes: how a restarted fastgpud recognises a task process whose start it never recorded.

#include <string>
#include <vector>

#include "runtime/process_identity.h"

namespace fastgpu {

/// A process that leads its own process group (pgid == pid), and the target of its fd 1 as
/// /proc shows it (an absolute path for a file; "pipe:[…]" and the like otherwise).
struct GroupLeader {
  ProcessIdentity identity;
  std::string stdout_target;
};

/// Every process in /proc that leads its own process group and whose fd 1 this process may
/// read (the same user, or any with the privilege to look). Processes that end during the scan,
/// and those whose fd 1 is closed or unreadable, are left out. Cost: three small /proc reads
/// per process on the host; meant for start-up, not for a hot path.
std::vector<GroupLeader> list_group_leaders();

}  // namespace fastgpu
