#pragma once
// Rereading fastgpud's --accounts file while it runs: on SIGHUP and on POST
// /v1/accounts/reload.

#include <string>

#include "core/status.h"
#include "server/loop/scheduler.h"

namespace fastgpu {

/// Reads and checks the accounts file at `path` and, when it is good, hands it to `scheduler`
/// (Scheduler::reload_accounts); *summary then says what was loaded ("accounts reloaded from
/// F: 3 projects, 4 users"). A bad or unreadable file changes nothing: kInvalidArgument naming
/// the file (and, for a bad one, the project, key and line). kFailedPrecondition when fastgpud runs
/// without an accounts file
/// (`path` empty).
Status reload_accounts_file(const std::string& path, Scheduler* scheduler, std::string* summary);

}  // namespace fastgpu
