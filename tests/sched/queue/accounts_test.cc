// Accounts files: projects, users, limits, and errors that name the file, project, key and line.

#include "sched/queue/accounts.h"

#include <gtest/gtest.h>

namespace fastgpu {
namespace {

TEST(Accounts, ReadsProjectsUsersAndLimits) {
  Accounts a;
  ASSERT_TRUE(parse_accounts(R"(
[projects.vision]
share = 3
max_gpus = 6
max_priority = 100
users = ["alice", "dave"]

[projects.nlp]
share = 1
max_gpus = 0.5
max_running = 4
max_queued = 100
max_gpu_memory_mib = 40960
users = ["bob"]
)",
                             "accounts.toml", &a)
                  .is_ok());
  ASSERT_EQ(a.projects.size(), 3u);  // vision, nlp and the default project
  const ProjectRules& vision = a.projects[a.project_of("alice")];
  EXPECT_EQ(vision.name, "vision");
  EXPECT_EQ(vision.share, 3);
  EXPECT_EQ(vision.max_gpu_milli, 6000);
  EXPECT_EQ(vision.max_priority, 100);
  const ProjectRules& nlp = a.projects[a.project_of("bob")];
  EXPECT_EQ(nlp.max_gpu_milli, 500);
  EXPECT_EQ(nlp.max_running, 4);
  EXPECT_EQ(nlp.max_queued, 100);
  EXPECT_EQ(nlp.max_gpu_memory_mib, 40960);
  EXPECT_FALSE(nlp.max_priority.has_value());
  EXPECT_EQ(a.projects[a.project_of("eve")].name, "default");
}

TEST(Accounts, ANamedDefaultProjectTakesTheOthers) {
  Accounts a;
  ASSERT_TRUE(
      parse_accounts("default_project = \"guests\"\n[projects.guests]\nshare = 0.5\n", "a.toml", &a)
          .is_ok());
  ASSERT_EQ(a.projects.size(), 1u);
  EXPECT_EQ(a.projects[a.project_of("anyone")].share, 0.5);
}

TEST(Accounts, PricesAGpuHourByModelWithADefault) {
  Accounts a;
  ASSERT_TRUE(
      parse_accounts("[prices]\ndefault = 1.5\n\"H100-SXM5-80GB\" = 2.5\n", "a.toml", &a).is_ok());
  EXPECT_EQ(a.gpu_hour_price_of("H100-SXM5-80GB"), 2.5);
  EXPECT_EQ(a.gpu_hour_price_of("A100"), 1.5);
  EXPECT_EQ(Accounts::single_project().gpu_hour_price_of("A100"), 0) << "no prices: no cost";
}

TEST(Accounts, AUsageHalfLifeIsInSeconds) {
  Accounts a;
  ASSERT_TRUE(parse_accounts("usage_half_life = 3600\n", "a.toml", &a).is_ok());
  EXPECT_EQ(a.usage_half_life_us, int64_t{3600} * 1'000'000);
  EXPECT_EQ(Accounts::single_project().usage_half_life_us, 0);
  Accounts bad;
  EXPECT_FALSE(parse_accounts("usage_half_life = -1\n", "a.toml", &bad).is_ok());
}

void ExpectError(const std::string& text, const std::vector<std::string>& parts) {
  Accounts a;
  const Status s = parse_accounts(text, "acc.toml", &a);
  ASSERT_FALSE(s.is_ok()) << text;
  for (const std::string& part : parts) {
    EXPECT_NE(s.message().find(part), std::string::npos) << s.message() << " lacks " << part;
  }
}

TEST(Accounts, RefusesBadFilesNamingWhatIsWrong) {
  ExpectError("[projects.a]\nshare = 0\n", {"acc.toml", "project 'a'", "'share'", "line 2"});
  ExpectError("[projects.a]\nshare = 1\nmax_gpu = 3\n", {"'max_gpu'", "unknown field", "line 3"});
  ExpectError("[projects.a]\nusers = [\"x\"]\n[projects.b]\nusers = [\"x\"]\n",
              {"project 'b'", "'x'", "already in project 'a'"});
  ExpectError("[projects.a]\nmax_gpus = -1\n", {"'max_gpus'"});
  ExpectError("[projects.a]\nmax_priority = \"high\"\n", {"'max_priority'", "integer"});
  ExpectError("[projects.\"a b\"]\n", {"project 'a b'", "name"});
  ExpectError("projects = 3\n", {"'projects'", "table"});
  ExpectError("[quota]\n", {"'quota'", "unknown field"});
  ExpectError("[projects.a\n", {"acc.toml:1:"});
  ExpectError("[prices]\nH100 = -2\n", {"[prices]", "'H100'", "line 2"});
  ExpectError("[prices]\nH100 = \"cheap\"\n", {"[prices]", "'H100'"});
}

}  // namespace
}  // namespace fastgpu
