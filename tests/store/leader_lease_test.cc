// Leadership among replicas: one holder at a time, and a follower takes over within 5 s when the
// holder's connection dies.

#include "store/leader_lease.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "store/postgres_leader_lease.h"
#include "store_backends.h"

namespace fastgpu {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kTakeoverLimit = std::chrono::seconds(5);

bool try_lead(LeaderLease* lease) {
  bool leader = false;
  Status s = lease->try_acquire(&leader);
  EXPECT_TRUE(s.is_ok()) << s.message();
  return leader;
}

// Polls `lease` as a follower would (every 100 ms) until it leads or the limit passes; returns
// how long that took, or nullopt when it never led.
std::optional<Clock::duration> time_to_lead(LeaderLease* lease) {
  const Clock::time_point start = Clock::now();
  while (Clock::now() - start < kTakeoverLimit) {
    if (try_lead(lease)) return Clock::now() - start;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return std::nullopt;
}

TEST(SoleLeaderLease, AlwaysLeads) {
  std::unique_ptr<LeaderLease> lease;
  ASSERT_TRUE(open_leader_lease("/some/dir/fastgpu.db", &lease).is_ok());
  EXPECT_TRUE(try_lead(lease.get()));
  EXPECT_TRUE(lease->held());
  lease->release();
  EXPECT_FALSE(lease->held());
}

class PostgresLeaderLeaseTest : public testing_util::PostgresDatabaseTest {
 protected:
  std::unique_ptr<LeaderLease> open_lease() {
    std::unique_ptr<LeaderLease> lease;
    Status s = open_leader_lease(db_.url(), &lease);
    EXPECT_TRUE(s.is_ok()) << s.message();
    return lease;
  }

  // Ends, from the server's side, the session holding the leadership lock.
  void terminate_holder_session() {
    std::unique_ptr<PgConnection> admin;
    ASSERT_TRUE(PgConnection::open(db_.url(), &admin).is_ok());
    ASSERT_TRUE(admin
                    ->exec("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = "
                           "'advisory' AND granted AND database = (SELECT oid FROM pg_database "
                           "WHERE datname = current_database())")
                    .is_ok());
  }
};

TEST_F(PostgresLeaderLeaseTest, OnlyOneOfTwoLeasesLeads) {
  std::unique_ptr<LeaderLease> a = open_lease();
  std::unique_ptr<LeaderLease> b = open_lease();
  EXPECT_TRUE(try_lead(a.get()));
  EXPECT_FALSE(try_lead(b.get()));
  EXPECT_TRUE(try_lead(a.get()));  // leading again keeps it
  EXPECT_TRUE(a->held());
  EXPECT_FALSE(b->held());
  a->release();
  EXPECT_FALSE(a->held());
  EXPECT_TRUE(try_lead(b.get()));
  EXPECT_FALSE(try_lead(a.get()));
}

TEST_F(PostgresLeaderLeaseTest, FollowerTakesOverWithinFiveSecondsWhenTheLeaderDies) {
  std::unique_ptr<LeaderLease> leader = open_lease();
  std::unique_ptr<LeaderLease> follower = open_lease();
  ASSERT_TRUE(try_lead(leader.get()));
  ASSERT_FALSE(try_lead(follower.get()));
  leader.reset();  // closes its connection without unlocking, as a dying process does
  const std::optional<Clock::duration> took = time_to_lead(follower.get());
  ASSERT_TRUE(took.has_value()) << "the follower did not take over within 5 s";
  EXPECT_TRUE(follower->held());
}

TEST_F(PostgresLeaderLeaseTest, LeaderWhoseSessionIsDroppedKnowsItLost) {
  std::unique_ptr<LeaderLease> a = open_lease();
  std::unique_ptr<LeaderLease> b = open_lease();
  ASSERT_TRUE(try_lead(a.get()));
  terminate_holder_session();
  EXPECT_FALSE(a->held());
  ASSERT_TRUE(time_to_lead(b.get()).has_value());
  EXPECT_FALSE(try_lead(a.get()));  // reconnected, but b leads now
  b->release();
  EXPECT_TRUE(try_lead(a.get()));
}

TEST(PostgresLeaderLeaseOpen, MalformedUrlIsRefused) {
  std::unique_ptr<LeaderLease> lease;
  EXPECT_EQ(open_leader_lease("postgresql://h:0/d", &lease).code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace fastgpu
