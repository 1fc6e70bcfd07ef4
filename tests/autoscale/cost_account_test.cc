#include "autoscale/cost_account.h"

#include <gtest/gtest.h>

namespace fastgpu {
namespace {

NodeCatalog TwoTypes() {
  NodeCatalog c;
  NodeType a;
  a.name = "8x";
  a.gpu_count = 8;
  a.price_per_hour = 24'480'000;  // $24.48
  NodeType b;
  b.name = "1x";
  b.gpu_count = 1;
  b.price_per_hour = 1'000'000;  // $1.00
  c.types = {a, b};
  return c;
}

TEST(CostAccountTest, NodeSecondsTimesPricePerTypeAndTotal) {
  const NodeCatalog c = TwoTypes();
  CostAccount account(c);
  account.charge(0, 3600);
  account.charge(0, 1800);
  account.charge(1, 1);
  EXPECT_EQ(account.node_seconds(0), 5400);
  EXPECT_EQ(account.node_seconds(1), 1);
  EXPECT_EQ(account.total_node_seconds(), 5401);
  EXPECT_EQ(account.gpu_seconds(0), 43200);
  EXPECT_EQ(account.total_gpu_seconds(), 43201);
  EXPECT_EQ(account.cost(0), 36'720'000);  // 1.5 h × $24.48, exactly
  EXPECT_EQ(account.cost(1), 278);         // 1/3600 of $1 = 277.7 micro-dollars, rounded
  EXPECT_EQ(account.total_cost(), 36'720'278);
}

TEST(CostAccountTest, TotalIsRoundedOnceFromTheExactSum) {
  const NodeCatalog c = TwoTypes();
  CostAccount account(c);
  account.charge(1, 1);  // 277.78 micro-dollars
  account.charge(0, 0);
  EXPECT_EQ(account.total_cost(), 278);
  CostAccount many(c);
  for (int i = 0; i < 3600; ++i) many.charge(1, 1);  // one node-hour in one-second pieces
  EXPECT_EQ(many.cost(1), 1'000'000);
  EXPECT_EQ(many.total_cost(), 1'000'000);
}

TEST(CostAccountTest, LongRunsDoNotOverflow) {
  const NodeCatalog c = TwoTypes();
  CostAccount account(c);
  const int64_t ten_years = int64_t{10} * 365 * 86400;
  for (int node = 0; node < 10000; ++node) account.charge(0, ten_years);
  // 10,000 nodes × 87,600 h × $24.48 = $21,444,480,000.
  EXPECT_EQ(account.cost(0), int64_t{21'444'480'000} * kMicroPerDollar);
}

}  // namespace
}  // namespace fastgpu
