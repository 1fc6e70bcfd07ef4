#include "autoscale/node_catalog.h"

#include <gtest/gtest.h>

#include <string>

#include "core/gpu_model.h"

namespace fastgpu {
namespace {

// One valid type; tests replace one line of it to break one field.
std::string TypeToml(const std::string& replace_key = "", const std::string& with = "") {
  const std::vector<std::pair<std::string, std::string>> fields = {
      {"name", "name = \"8xV100\""},
      {"gpu_count", "gpu_count = 8"},
      {"gpu_model", "gpu_model = \"V100M32\""},
      {"cpu_milli", "cpu_milli = 96000"},
      {"memory_mib", "memory_mib = 786432"},
      {"price_per_hour", "price_per_hour = 24.48"},
      {"market", "market = \"on-demand\""},
      {"boot_seconds", "boot_seconds = 300"},
  };
  std::string out = "[[node_type]]\n";
  for (const auto& [key, line] : fields) out += (key == replace_key ? with : line) + "\n";
  return out;
}

Status Parse(const std::string& text, NodeCatalog* catalog) {
  return parse_node_catalog(text, "types.toml", catalog);
}

// Expects parsing to fail with a message naming the file and every one of `needles`.
void ExpectError(const std::string& text, std::vector<std::string> needles) {
  NodeCatalog catalog;
  const Status s = Parse(text, &catalog);
  ASSERT_FALSE(s.is_ok()) << text;
  EXPECT_NE(s.message().find("types.toml"), std::string::npos) << s.message();
  for (const std::string& n : needles) {
    EXPECT_NE(s.message().find(n), std::string::npos) << "missing '" << n << "' in " << s.message();
  }
  EXPECT_TRUE(catalog.types.empty());
}

TEST(NodeCatalogTest, ParsesTypesAndPool) {
  const std::string text =
      "[pool]\nmin_nodes = 2\nmax_nodes = 50\nbudget_per_hour = 100\ncooldown_seconds = 120\n"
      "base_type = \"2xT4\"\n\n" +
      TypeToml() +
      "[[node_type]]\nname = \"2xT4\"\ngpu_count = 2\ngpu_model = \"T4\"\ncpu_milli = 8000\n"
      "memory_mib = 32768\nprice_per_hour = 1.6\nmarket = \"spot\"\nboot_seconds = 0\n";
  NodeCatalog c;
  const Status s = Parse(text, &c);
  ASSERT_TRUE(s.is_ok()) << s.message();
  ASSERT_EQ(c.types.size(), 2u);
  const NodeType& v = c.types[0];
  EXPECT_EQ(v.name, "8xV100");
  EXPECT_EQ(v.gpu_count, 8);
  EXPECT_EQ(v.gpu_model, *find_gpu_model("V100M32"));
  EXPECT_EQ(v.cpu_milli, 96000);
  EXPECT_EQ(v.memory_mib, 786432);
  EXPECT_EQ(v.price_per_hour, 24'480'000);
  EXPECT_EQ(v.market, Market::kOnDemand);
  EXPECT_EQ(v.boot_seconds, 300);
  EXPECT_EQ(c.types[1].market, Market::kSpot);
  EXPECT_EQ(c.types[1].price_per_hour, 1'600'000);
  EXPECT_EQ(c.limits.min_nodes, 2);
  EXPECT_EQ(c.limits.max_nodes, 50);
  EXPECT_EQ(c.limits.budget_per_hour, 100'000'000);
  EXPECT_EQ(c.limits.cooldown_seconds, 120);
  EXPECT_EQ(c.limits.base_type, 1u);
  const NodeSpec spec = v.node_spec("n0");
  EXPECT_EQ(spec.num_gpus, 8);
  EXPECT_EQ(spec.gpu_memory_mib, gpu_model_spec(v.gpu_model).memory_mib);
}

TEST(NodeCatalogTest, PoolIsOptional) {
  NodeCatalog c;
  ASSERT_TRUE(Parse(TypeToml(), &c).is_ok());
  EXPECT_EQ(c.limits.min_nodes, 0);
  EXPECT_EQ(c.limits.budget_per_hour, 0);
  EXPECT_EQ(c.limits.base_type, 0u);
}

TEST(NodeCatalogTest, ShippedExampleParses) {
  NodeCatalog c;
  const Status s =
      read_node_catalog(std::string(FASTGPU_TEST_DATA_DIR) + "/../../examples/node-types.toml", &c);
  ASSERT_TRUE(s.is_ok()) << s.message();
  EXPECT_GE(c.types.size(), 5u);
}

TEST(NodeCatalogTest, EachBadFieldIsNamedWithItsType) {
  ExpectError(TypeToml("name", ""), {"node_type #1", "'name'", "required"});
  ExpectError(TypeToml("name", "name = 3"), {"'name'", "string"});
  ExpectError(TypeToml("gpu_count", "gpu_count = 17"), {"'8xV100'", "'gpu_count'"});
  ExpectError(TypeToml("gpu_count", "gpu_count = \"8\""), {"'gpu_count'", "integer"});
  ExpectError(TypeToml("gpu_model", "gpu_model = \"V9000\""), {"'8xV100'", "'gpu_model'", "V9000"});
  ExpectError(TypeToml("gpu_model", ""), {"'8xV100'", "'gpu_model'", "required"});
  ExpectError(TypeToml("cpu_milli", "cpu_milli = 0"), {"'8xV100'", "'cpu_milli'"});
  ExpectError(TypeToml("memory_mib", "memory_mib = -1"), {"'8xV100'", "'memory_mib'"});
  ExpectError(TypeToml("price_per_hour", "price_per_hour = 0"), {"'8xV100'", "'price_per_hour'"});
  ExpectError(TypeToml("price_per_hour", "price_per_hour = -2.5"), {"'price_per_hour'", "> 0"});
  ExpectError(TypeToml("price_per_hour", "price_per_hour = \"cheap\""), {"'price_per_hour'"});
  ExpectError(TypeToml("market", "market = \"reserved\""), {"'8xV100'", "'market'", "reserved"});
  ExpectError(TypeToml("boot_seconds", "boot_seconds = -1"), {"'8xV100'", "'boot_seconds'"});
  ExpectError(TypeToml("boot_seconds", ""), {"'boot_seconds'", "required"});
  ExpectError(TypeToml() + "colour = \"red\"\n", {"'8xV100'", "'colour'", "unknown field"});
}

TEST(NodeCatalogTest, SpotTypesCarryTheirReclaimRateAndArePricedByIt) {
  NodeCatalog c;
  const std::string spot = TypeToml("market", "market = \"spot\"\ninterruptions_per_hour = 0.5");
  ASSERT_TRUE(Parse("[pool]\nreclaim_cost_seconds = 900\nspot_fallback_interruptions = 4\n"
                    "spot_fallback_window_seconds = 600\n" +
                        spot,
                    &c)
                  .is_ok());
  EXPECT_EQ(c.types[0].interruptions_per_hour, 0.5);
  EXPECT_EQ(c.limits.reclaim_cost_seconds, 900);
  EXPECT_EQ(c.limits.spot_fallback_interruptions, 4);
  EXPECT_EQ(c.limits.spot_fallback_window_seconds, 600);
  // $24.48 x (1 + 0.5 x (300 s boot + 900 s lost) / 3600 s) = $28.56
  EXPECT_EQ(expected_price_per_hour(c.types[0], c.limits), 28'560'000);
  c.types[0].market = Market::kOnDemand;
  EXPECT_EQ(expected_price_per_hour(c.types[0], c.limits), 24'480'000);
  ExpectError(TypeToml("market", "market = \"on-demand\"\ninterruptions_per_hour = 1"),
              {"'8xV100'", "'interruptions_per_hour'", "only a spot type"});
  ExpectError(TypeToml("market", "market = \"spot\"\ninterruptions_per_hour = -1"),
              {"'interruptions_per_hour'"});
  ExpectError("[pool]\nspot_fallback_interruptions = 0\n" + TypeToml(),
              {"pool", "'spot_fallback_interruptions'"});
}

TEST(NodeCatalogTest, CatalogLevelErrors) {
  ExpectError("", {"at least one [[node_type]]"});
  ExpectError(TypeToml() + TypeToml(), {"'8xV100'", "duplicate"});
  ExpectError("[pool]\nmin_nodes = 5\nmax_nodes = 2\n" + TypeToml(), {"pool", "'min_nodes'"});
  ExpectError("[pool]\nbase_type = \"nope\"\n" + TypeToml(), {"pool", "'base_type'", "nope"});
  ExpectError("[pool]\ncooldown_seconds = -5\n" + TypeToml(), {"pool", "'cooldown_seconds'"});
  ExpectError("[pool]\nbudget_per_hour = 0\n" + TypeToml(), {"pool", "'budget_per_hour'"});
  ExpectError("[pool]\nspeed = 1\n" + TypeToml(), {"pool", "'speed'", "unknown field"});
  ExpectError("[extras]\n" + TypeToml(), {"unknown table 'extras'"});
  ExpectError("[[node_type]\nname = 1\n", {"types.toml:1"});
}

TEST(NodeCatalogTest, MissingFileIsNamed) {
  NodeCatalog c;
  const Status s = read_node_catalog("no-such-dir/node-types.toml", &c);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("no-such-dir/node-types.toml"), std::string::npos);
}

}  // namespace
}  // namespace fastgpu
