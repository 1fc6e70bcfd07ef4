// libFuzzer target for the node catalog (node-types.toml): every input goes to
// parse_node_catalog(). On success the catalog must satisfy what the autoscaler relies on; on
// failure the output must be left untouched and the error must name the source.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>

#include "autoscale/node_catalog.h"
#include "core/gpu_model.h"
#include "fuzz_check.h"

namespace {

void check_catalog(const fastgpu::NodeCatalog& c) {
  FUZZ_CHECK(!c.types.empty());
  std::unordered_set<std::string> names;
  for (const fastgpu::NodeType& t : c.types) {
    FUZZ_CHECK(!t.name.empty());
    FUZZ_CHECK(names.insert(t.name).second);
    FUZZ_CHECK(t.gpu_count >= 0 && t.gpu_count <= fastgpu::kMaxGpusPerNode);
    FUZZ_CHECK(t.gpu_count == 0 || t.gpu_model < fastgpu::gpu_model_specs().size());
    FUZZ_CHECK(t.cpu_milli > 0 && t.memory_mib > 0);
    FUZZ_CHECK(t.price_per_hour > 0);
    FUZZ_CHECK(t.boot_seconds >= 0);
  }
  const fastgpu::PoolLimits& l = c.limits;
  FUZZ_CHECK(l.min_nodes >= 0 && l.min_nodes <= l.max_nodes);
  FUZZ_CHECK(l.budget_per_hour >= 0 && l.cooldown_seconds >= 0);
  FUZZ_CHECK(l.base_type < c.types.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fastgpu::NodeCatalog catalog;
  catalog.limits.max_nodes = -7;  // a sentinel: a failed parse must leave it
  const fastgpu::Status s = fastgpu::parse_node_catalog(text, "fuzz.toml", &catalog);
  if (!s.is_ok()) {
    FUZZ_CHECK(s.message().find("fuzz.toml") != std::string::npos);
    FUZZ_CHECK(catalog.types.empty() && catalog.limits.max_nodes == -7);
    return 0;
  }
  check_catalog(catalog);
  return 0;
}
