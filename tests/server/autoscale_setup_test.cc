// The live autoscaler's pieces that need no daemon: flags, catalog overrides, the scale log's
// bound, the local provider's GPU spec and the agents' URL.

#include "server/autoscale_setup.h"

#include <gtest/gtest.h>

#include "server/cluster/exec_provider.h"
#include "server/cluster/local_provider.h"
#include "server/cluster/scale_log.h"

namespace fastgpu {
namespace {

const std::string kCatalog = std::string(FASTGPU_TEST_DATA) + "/autoscale_small.toml";

DaemonOptions autoscaled() {
  DaemonOptions options;
  options.autoscale = kCatalog;
  return options;
}

TEST(AutoscaleSetup, FlagsOverrideTheCatalogsPoolLimits) {
  AutoscaleLoop::Config config;
  ASSERT_TRUE(load_autoscale_config(autoscaled(), &config).is_ok());
  EXPECT_EQ(config.limits.max_nodes, 8);  // the catalog's
  EXPECT_EQ(config.limits.cooldown_seconds, 300);
  EXPECT_EQ(config.period, std::chrono::milliseconds(15'000));

  DaemonOptions options = autoscaled();
  options.max_nodes = 4;
  options.cooldown_s = 3;
  options.budget = 12.5;
  options.autoscale_period_s = 0.5;
  ASSERT_TRUE(load_autoscale_config(options, &config).is_ok());
  EXPECT_EQ(config.limits.max_nodes, 4);
  EXPECT_EQ(config.limits.cooldown_seconds, 3);
  EXPECT_EQ(config.limits.budget_per_hour, 12'500'000);
  EXPECT_EQ(config.period, std::chrono::milliseconds(500));
  EXPECT_EQ(config.catalog.types.size(), 2u);
}

TEST(AutoscaleSetup, MinAboveMaxIsRefusedWhereverEachComesFrom) {
  DaemonOptions options = autoscaled();
  options.min_nodes = 9;  // above the catalog's max_nodes = 8
  AutoscaleLoop::Config config;
  const Status s = load_autoscale_config(options, &config);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("min nodes 9 exceed max nodes 8"), std::string::npos) << s.message();
}

TEST(AutoscaleSetup, AMissingCatalogIsNamed) {
  DaemonOptions options;
  options.autoscale = "no-such-catalog.toml";
  AutoscaleLoop::Config config;
  const Status s = load_autoscale_config(options, &config);
  EXPECT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("no-such-catalog.toml"), std::string::npos) << s.message();
}

TEST(AutoscaleSetup, FlagCombinationsAreChecked) {
  DaemonOptions off;
  EXPECT_TRUE(check_autoscale_flags(off).is_ok());
  off.max_nodes = 3;
  EXPECT_FALSE(check_autoscale_flags(off).is_ok());
  DaemonOptions exec = autoscaled();
  exec.provider = "exec";
  EXPECT_NE(check_autoscale_flags(exec).message().find("--provider-exec-dir"), std::string::npos);
  exec.provider_exec_dir = "scripts";
  EXPECT_TRUE(check_autoscale_flags(exec).is_ok());
  DaemonOptions local = autoscaled();
  local.provider_exec_dir = "scripts";
  EXPECT_FALSE(check_autoscale_flags(local).is_ok());
}

TEST(AutoscaleSetup, ExecDirectoryMustHoldBothScripts) {
  const Status s = check_exec_provider_dir(FASTGPU_TEST_DATA);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("scale-up is missing or not executable"), std::string::npos)
      << s.message();
}

TEST(AutoscaleSetup, AgentsReachAWildcardListenerOnLoopback) {
  EXPECT_EQ(local_server_url("127.0.0.1", 7070, false), "http://127.0.0.1:7070");
  EXPECT_EQ(local_server_url("0.0.0.0", 80, false), "http://127.0.0.1:80");
  EXPECT_EQ(local_server_url("::", 80, false), "http://[::1]:80");
  EXPECT_EQ(local_server_url("10.0.0.5", 80, false), "http://10.0.0.5:80");
  EXPECT_EQ(local_server_url("0.0.0.0", 443, true), "https://127.0.0.1:443");
}

TEST(AutoscaleSetup, LocalAgentsSimulateTheTypesGpus) {
  AutoscaleLoop::Config config;
  ASSERT_TRUE(load_autoscale_config(autoscaled(), &config).is_ok());
  EXPECT_EQ(simulated_gpus_of(config.catalog.types[1]), "4xA100-80GB");
}

TEST(ScaleLog, KeepsTheLastEventsOldestFirst) {
  ScaleLog log(3);
  for (int i = 1; i <= 5; ++i) log.append({i, "scale-up", "t", "", i, "why " + std::to_string(i)});
  const std::vector<ScaleEvent> events = log.events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events.front().reason, "why 3");
  EXPECT_EQ(events.back().reason, "why 5");
  const nlohmann::json json = scale_log_to_json(events);
  EXPECT_TRUE(json["events"][0]["node"].is_null());
  EXPECT_EQ(json["events"][0]["type"], "t");
}

}  // namespace
}  // namespace fastgpu
