#include "autoscale/node_catalog.h"

#include <toml++/toml.h>

#include <cmath>

#include "core/gpu_model.h"
#include "core/text_file.h"
#include "core/toml_reader.h"

namespace fastgpu {
namespace {

// Largest price per hour accepted, in dollars: far above any real node, small enough that
// node-seconds × price stays within 128-bit accounting with room to spare.
constexpr double kMaxDollarsPerHour = 1'000'000.0;
constexpr int64_t kMaxBootSeconds = 86'400;
constexpr int64_t kMaxNodes = 1'000'000;

// Dollars per hour to micro-dollars; positive and at most kMaxDollarsPerHour.
Status read_dollars(TableReader& r, std::string_view key, bool required, MicroDollars* value) {
  double dollars = std::nan("");  // stays so when absent
  if (Status s = r.number(key, -kMaxDollarsPerHour, kMaxDollarsPerHour, required, &dollars);
      !s.is_ok()) {
    return s;
  }
  if (std::isnan(dollars)) return Status::ok();
  if (dollars <= 0) return r.error(key, "must be > 0 and at most 1000000 dollars");
  *value = std::llround(dollars * static_cast<double>(kMicroPerDollar));
  if (*value <= 0) return r.error(key, "must be at least one micro-dollar");
  return Status::ok();
}

Status parse_market(TableReader& r, Market* market) {
  std::string name;
  if (Status s = r.text("market", true, &name); !s.is_ok()) return s;
  if (name == "spot") {
    *market = Market::kSpot;
  } else if (name == "on-demand") {
    *market = Market::kOnDemand;
  } else {
    return r.error("market", "must be \"spot\" or \"on-demand\", got \"" + name + "\"");
  }
  return Status::ok();
}

Status parse_gpu_model(TableReader& r, int32_t gpu_count, GpuModelId* model) {
  std::string name;
  if (Status s = r.text("gpu_model", gpu_count > 0, &name); !s.is_ok()) return s;
  if (gpu_count == 0) {
    return name.empty() ? Status::ok() : r.error("gpu_model", "a node without GPUs has no model");
  }
  const std::optional<GpuModelId> id = find_gpu_model(name);
  if (!id) return r.error("gpu_model", "unknown GPU model \"" + name + "\"");
  *model = *id;
  return Status::ok();
}

// Reads the numeric fields of one type, in the order a reader of the file meets them.
Status parse_type_numbers(TableReader& r, NodeType* t) {
  int64_t gpus = 0;
  if (Status s = r.integer("gpu_count", 0, kMaxGpusPerNode, true, &gpus); !s.is_ok()) return s;
  t->gpu_count = static_cast<int32_t>(gpus);
  if (Status s = parse_gpu_model(r, t->gpu_count, &t->gpu_model); !s.is_ok()) return s;
  constexpr int64_t kMaxCpuMilli = int64_t{1} << 40, kMaxMemoryMib = int64_t{1} << 40;
  if (Status s = r.integer("cpu_milli", 1, kMaxCpuMilli, true, &t->cpu_milli); !s.is_ok()) {
    return s;
  }
  if (Status s = r.integer("memory_mib", 1, kMaxMemoryMib, true, &t->memory_mib); !s.is_ok()) {
    return s;
  }
  if (Status s = read_dollars(r, "price_per_hour", true, &t->price_per_hour); !s.is_ok()) return s;
  if (Status s = parse_market(r, &t->market); !s.is_ok()) return s;
  if (Status s = r.integer("boot_seconds", 0, kMaxBootSeconds, true, &t->boot_seconds);
      !s.is_ok()) {
    return s;
  }
  constexpr double kMaxInterruptionsPerHour = 3600;
  if (Status s = r.number("interruptions_per_hour", 0, kMaxInterruptionsPerHour, false,
                          &t->interruptions_per_hour);
      !s.is_ok()) {
    return s;
  }
  if (t->interruptions_per_hour > 0 && t->market != Market::kSpot) {
    return r.error("interruptions_per_hour", "only a spot type is reclaimed");
  }
  return Status::ok();
}

Status parse_type(const toml::node& node, std::string_view source, size_t index, NodeType* t) {
  const std::string where = std::string(source) + ": node_type #" + std::to_string(index + 1);
  const toml::table* table = node.as_table();
  if (!table) return Status::invalid_argument(where + ": must be a table");
  TableReader named(*table, where);
  if (Status s = named.text("name", true, &t->name); !s.is_ok()) return s;
  TableReader r(*table, std::string(source) + ": node_type '" + t->name + "'");
  if (Status s = r.text("name", true, &t->name); !s.is_ok()) return s;
  if (Status s = parse_type_numbers(r, t); !s.is_ok()) return s;
  return r.finish();
}

Status parse_types(const toml::table& doc, std::string_view source, NodeCatalog* catalog) {
  const std::string where = std::string(source) + ": node_type";
  const toml::array* list = doc["node_type"].as_array();
  if (!list || list->empty()) {
    return Status::invalid_argument(where + ": at least one [[node_type]] is required");
  }
  for (size_t i = 0; i < list->size(); ++i) {
    NodeType t;
    if (Status s = parse_type(*list->get(i), source, i, &t); !s.is_ok()) return s;
    if (catalog->find(t.name)) {
      return Status::invalid_argument(where + " '" + t.name + "': field 'name': duplicate");
    }
    catalog->types.push_back(std::move(t));
  }
  return Status::ok();
}

Status parse_base_type(TableReader& r, const NodeCatalog& catalog, PoolLimits* limits) {
  std::string name;
  if (Status s = r.text("base_type", false, &name); !s.is_ok() || name.empty()) return s;
  const std::optional<size_t> index = catalog.find(name);
  if (!index) return r.error("base_type", "no node_type is called \"" + name + "\"");
  limits->base_type = *index;
  return Status::ok();
}

Status parse_pool(const toml::table& doc, std::string_view source, NodeCatalog* catalog) {
  const toml::node* node = doc.get("pool");
  if (!node) return Status::ok();
  const std::string where = std::string(source) + ": pool";
  const toml::table* table = node->as_table();
  if (!table) return Status::invalid_argument(where + ": must be a table");
  TableReader r(*table, where);
  PoolLimits& l = catalog->limits;
  if (Status s = r.integer("min_nodes", 0, kMaxNodes, false, &l.min_nodes); !s.is_ok()) return s;
  if (Status s = r.integer("max_nodes", 1, kMaxNodes, false, &l.max_nodes); !s.is_ok()) return s;
  if (l.min_nodes > l.max_nodes) return r.error("min_nodes", "must not exceed max_nodes");
  if (Status s = read_dollars(r, "budget_per_hour", false, &l.budget_per_hour); !s.is_ok())
    return s;
  constexpr int64_t kMaxCooldown = int64_t{1} << 32;
  if (Status s = r.integer("cooldown_seconds", 0, kMaxCooldown, false, &l.cooldown_seconds);
      !s.is_ok()) {
    return s;
  }
  if (Status s = parse_base_type(r, *catalog, &l); !s.is_ok()) return s;
  if (Status s =
          r.integer("reclaim_cost_seconds", 0, kMaxBootSeconds, false, &l.reclaim_cost_seconds);
      !s.is_ok()) {
    return s;
  }
  if (Status s = r.integer("spot_fallback_interruptions", 1, kMaxNodes, false,
                           &l.spot_fallback_interruptions);
      !s.is_ok()) {
    return s;
  }
  if (Status s = r.integer("spot_fallback_window_seconds", 0, kMaxCooldown, false,
                           &l.spot_fallback_window_seconds);
      !s.is_ok()) {
    return s;
  }
  return r.finish();
}

Status parse_document(const toml::table& doc, std::string_view source, NodeCatalog* catalog) {
  for (const auto& [key, node] : doc) {
    if (key.str() != "pool" && key.str() != "node_type") {
      return Status::invalid_argument(std::string(source) + ": unknown table '" +
                                      std::string(key.str()) + "'");
    }
  }
  if (Status s = parse_types(doc, source, catalog); !s.is_ok()) return s;
  return parse_pool(doc, source, catalog);
}

}  // namespace

std::string_view market_name(Market market) {
  return market == Market::kSpot ? "spot" : "on-demand";
}

MicroDollars expected_price_per_hour(const NodeType& type, const PoolLimits& limits) {
  if (type.market != Market::kSpot || type.interruptions_per_hour <= 0) return type.price_per_hour;
  const double wasted_hours = type.interruptions_per_hour *
                              static_cast<double>(type.boot_seconds + limits.reclaim_cost_seconds) /
                              3600.0;
  return std::llround(static_cast<double>(type.price_per_hour) * (1.0 + wasted_hours));
}

NodeSpec NodeType::node_spec(std::string node_name) const {
  NodeSpec spec;
  spec.name = std::move(node_name);
  spec.cpu_milli = cpu_milli;
  spec.memory_mib = memory_mib;
  spec.num_gpus = gpu_count;
  spec.model = gpu_model;
  spec.gpu_memory_mib = gpu_count > 0 ? gpu_model_spec(gpu_model).memory_mib : 0;
  return spec;
}

std::optional<size_t> NodeCatalog::find(std::string_view name) const {
  for (size_t i = 0; i < types.size(); ++i) {
    if (types[i].name == name) return i;
  }
  return std::nullopt;
}

Status parse_node_catalog(std::string_view text, std::string_view source, NodeCatalog* out) {
  NodeCatalog catalog;
  toml::table doc;
  if (Status s = parse_toml(text, source, &doc); !s.is_ok()) return s;
  if (Status s = parse_document(doc, source, &catalog); !s.is_ok()) return s;
  *out = std::move(catalog);
  return Status::ok();
}

Status read_node_catalog(const std::string& path, NodeCatalog* out) {
  std::string text;
  if (Status s = read_file(path, &text); !s.is_ok()) return s;
  return parse_node_catalog(text, path, out);
}

}  // namespace fastgpu
