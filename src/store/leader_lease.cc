#include "store/leader_lease.h"

#include "store/postgres_leader_lease.h"
#include "store/postgres_url.h"

namespace fastgpu {

Status SoleLeaderLease::try_acquire(bool* leader) {
  held_ = true;
  *leader = true;
  return Status::ok();
}

Status open_leader_lease(const std::string& spec, std::unique_ptr<LeaderLease>* out) {
  if (!is_postgres_url(spec)) {
    *out = std::make_unique<SoleLeaderLease>();
    return Status::ok();
  }
  std::unique_ptr<PostgresLeaderLease> lease;
  Status s = PostgresLeaderLease::open(spec, PostgresLeaderLease::kDefaultKey, &lease);
  if (s.is_ok()) *out = std::move(lease);
  return s;
}

}  // namespace fastgpu
