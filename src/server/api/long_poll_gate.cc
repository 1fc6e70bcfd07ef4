#include "server/api/long_poll_gate.h"

namespace fastgpu {

LongPollGate::Pass::~Pass() {
  if (gate_ != nullptr) gate_->leave(user_);
}

ApiError LongPollGate::enter(const std::string& user, std::optional<Pass>* pass) {
  std::lock_guard lock(mu_);
  size_t& mine = by_user_[user];
  if (mine >= per_user_ || in_all_ >= total_) {
    const bool user_full = mine >= per_user_;
    if (mine == 0) by_user_.erase(user);
    return ApiError::too_many_requests(
        user_full ? "user " + user + " already waits in " + std::to_string(per_user_) +
                        " long-polls, the most one user may; wait in fewer at once"
                  : "fastgpud already holds " + std::to_string(total_) +
                        " long-polls, the most it serves at once; try again shortly");
  }
  mine += 1;
  in_all_ += 1;
  pass->emplace(this, user);
  return ApiError();
}

void LongPollGate::leave(const std::string& user) {
  std::lock_guard lock(mu_);
  auto it = by_user_.find(user);
  if (it != by_user_.end() && --it->second == 0) by_user_.erase(it);
  in_all_ -= 1;
}

}  // namespace fastgpu
