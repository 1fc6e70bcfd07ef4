#include "server/loop/task_identities.h"

#include <charconv>

namespace fastgpu {

TaskIdentities::TaskIdentities(Writer* writer, Options options)
    : writer_(writer), options_(std::move(options)) {}

Status TaskIdentities::identity_of(const std::string& user, RunAs* out) {
  if (auto account = options_.accounts.find(user); account != options_.accounts.end()) {
    *out = account->second;
    return Status::ok();
  }
  {
    std::lock_guard lock(mu_);
    if (auto it = known_.find(user); it != known_.end()) {
      *out = it->second;
      return Status::ok();
    }
  }
  int64_t uid = 0;
  if (Status s = writer_->assign_task_uid(user, options_.first_uid, options_.last_uid, &uid);
      !s.is_ok()) {
    return s;
  }
  const RunAs identity{static_cast<uid_t>(uid), static_cast<gid_t>(uid)};
  std::lock_guard lock(mu_);
  known_[user] = identity;
  *out = identity;
  return Status::ok();
}

Status TaskIdentities::parse_range(const std::string& text, Options* options) {
  const size_t dash = text.find('-');
  int64_t first = 0;
  int64_t last = 0;
  const auto number = [](std::string_view part, int64_t* value) {
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), *value);
    return ec == std::errc() && end == part.data() + part.size();
  };
  const std::string_view all(text);
  if (dash == std::string::npos || !number(all.substr(0, dash), &first) ||
      !number(all.substr(dash + 1), &last) || first <= 0 || last < first || last > 4294967294) {
    return Status::invalid_argument("task uids \"" + text +
                                    "\": give FIRST-LAST, positive uids below 4294967295");
  }
  options->first_uid = first;
  options->last_uid = last;
  return Status::ok();
}

}  // namespace fastgpu
