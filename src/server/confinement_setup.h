#pragma once
// fastgpud's task confinement from its flags and tokens file.

#include <memory>
#include <string>

#include "core/status.h"
#include "server/api/auth.h"
#include "server/daemon_options.h"
#include "server/loop/task_confiner.h"
#include "server/loop/task_identities.h"

namespace fastgpu {

/// Builds the identities and the confiner of fastgpud's tasks: enabled when the daemon runs as
/// root. Resolves each run-as account of `tokens` (a name or a uid; root only with
/// --allow-root-tasks) and makes the tasks' scratch root (under `data_dir` when not root).
/// Confined tasks see the device nodes of `gpus` (this host's) only when they were given them.
/// Errors name the flag, account or path.
Status make_task_confinement(const DaemonOptions& options, const TokenTable& tokens,
                             const std::string& data_dir, const std::vector<GpuDevice>& gpus,
                             Writer* writer, std::unique_ptr<TaskIdentities>* identities,
                             std::unique_ptr<TaskConfiner>* confiner);

}  // namespace fastgpu
