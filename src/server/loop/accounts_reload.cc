#include "server/loop/accounts_reload.h"

namespace fastgpu {

Status reload_accounts_file(const std::string& path, Scheduler* scheduler, std::string* summary) {
  if (path.empty()) {
    return Status::failed_precondition(
        "fastgpud runs without --accounts: there is no accounts file to reload");
  }
  Accounts accounts;
  if (Status s = read_accounts(path, &accounts); !s.is_ok()) {
    return Status::invalid_argument(s.message() + "; the accounts in force stay");
  }
  *summary = "accounts reloaded from " + path + ": " + std::to_string(accounts.projects.size()) +
             " projects, " + std::to_string(accounts.project_of_user.size()) + " users";
  scheduler->reload_accounts(std::move(accounts));
  return Status::ok();
}

}  // namespace fastgpu
