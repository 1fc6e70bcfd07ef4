#include "server/confinement_setup.h"

#include <pwd.h>
#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

#include "server/api/quantity.h"

namespace fastgpu {
namespace {

// The uid and primary gid of `account`, a user name of this host or a number.
Status resolve_account(const std::string& account, RunAs* out) {
  uint64_t number = 0;
  auto [end, ec] = std::from_chars(account.data(), account.data() + account.size(), number);
  if (ec == std::errc() && end == account.data() + account.size() && number < 4294967295u) {
    *out = {static_cast<uid_t>(number), static_cast<gid_t>(number)};
    return Status::ok();
  }
  struct passwd entry;
  struct passwd* found = nullptr;
  std::vector<char> buffer(16384);
  if (::getpwnam_r(account.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 ||
      found == nullptr) {
    return Status::not_found("run-as account \"" + account + "\" is not a user of this host");
  }
  *out = {found->pw_uid, found->pw_gid};
  return Status::ok();
}

}  // namespace

Status make_task_confinement(const DaemonOptions& options, const TokenTable& tokens,
                             const std::string& data_dir, const std::vector<GpuDevice>& gpus,
                             Writer* writer, std::unique_ptr<TaskIdentities>* identities,
                             std::unique_ptr<TaskConfiner>* confiner) {
  TaskIdentities::Options who;
  if (Status s = TaskIdentities::parse_range(options.task_uids, &who); !s.is_ok()) return s;
  for (const auto& [user, account] : tokens.run_as()) {
    RunAs identity;
    if (Status s = resolve_account(account, &identity); !s.is_ok()) return s;
    if (identity.uid == 0 && !options.allow_root_tasks) {
      return Status::invalid_argument("user " + user + " would run tasks as root (run-as=" +
                                      account + "); pass --allow-root-tasks to allow it");
    }
    who.accounts[user] = identity;
  }
  TaskSandbox::Options how;
  if (Status s = TaskSandbox::options_for("fastgpud", data_dir, &how); !s.is_ok()) return s;
  how.gpus = gpus;
  TaskConfiner::Limits limits;
  limits.pids = options.task_pids;
  std::string problem;
  const std::optional<int64_t> memory =
      parse_memory_bytes(nlohmann::json(options.default_task_memory), &problem);
  if (!memory || *memory < (int64_t{16} << 20)) {
    return Status::invalid_argument("--default-task-memory \"" + options.default_task_memory +
                                    "\": " + (problem.empty() ? "at least 16MiB" : problem));
  }
  limits.default_memory_bytes = *memory;
  *identities = std::make_unique<TaskIdentities>(writer, std::move(who));
  *confiner = std::make_unique<TaskConfiner>(std::move(how), limits, identities->get());
  return Status::ok();
}

}  // namespace fastgpu
