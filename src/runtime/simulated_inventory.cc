#include "runtime/simulated_inventory.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <utility>

namespace fastgpu {
namespace {

constexpr int64_t kMaxMilliTflops = 100'000'000;  // 100,000 TFLOPS
constexpr int64_t kMaxMemoryBytes = 16 * 1024 * kBytesPerGib;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Parses a non-empty run of decimal digits making up all of `text`. False when the text is not
// such a run or the value exceeds INT64_MAX.
bool parse_digits(std::string_view text, int64_t* out) {
  if (text.empty() || !is_digit(text.front())) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

// The leading run of characters of `text` that satisfy `pred`.
template <typename Pred>
std::string_view leading(std::string_view text, Pred pred) {
  size_t n = 0;
  while (n < text.size() && pred(text[n])) ++n;
  return text.substr(0, n);
}

std::string known_models() {
  std::string list;
  for (const GpuModelSpec& spec : gpu_model_specs()) {
    if (!list.empty()) list += ", ";
    list += spec.name;
  }
  return list;
}

std::optional<GpuModelId> find_model_ignoring_case(std::string_view name) {
  const auto specs = gpu_model_specs();
  for (size_t i = 0; i < specs.size(); ++i) {
    if (iequals(specs[i].name, name)) return static_cast<GpuModelId>(i);
  }
  return std::nullopt;
}

// Parses "40", "19.5" or "0.125" (at most three decimals) into thousandths.
Status parse_milli_tflops(std::string_view text, int64_t* out) {
  const size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  int64_t w = 0;
  int64_t f = 0;
  if (!parse_digits(whole, &w) || (dot != std::string_view::npos && !parse_digits(frac, &f))) {
    return Status::invalid_argument("bad number \"" + std::string(text) + "\" of TFLOPS");
  }
  if (frac.size() > 3) {
    return Status::invalid_argument("TFLOPS \"" + std::string(text) +
                                    "\" has more than 3 decimals");
  }
  for (size_t i = frac.size(); i < 3; ++i) f *= 10;
  if (w > kMaxMilliTflops / 1000 || w * 1000 + f > kMaxMilliTflops || w * 1000 + f == 0) {
    return Status::invalid_argument("TFLOPS " + std::string(text) +
                                    " out of range: must be between 0.001 and 100000");
  }
  *out = w * 1000 + f;
  return Status::ok();
}

// Parses "48GiB", "512MiB" or "1TiB" into bytes.
Status parse_memory(std::string_view text, int64_t* out) {
  const std::string_view number = leading(text, is_digit);
  const std::string_view unit = text.substr(number.size());
  int64_t value = 0;
  if (!parse_digits(number, &value)) {
    return Status::invalid_argument("bad memory size \"" + std::string(text) +
                                    "\": expected an integer and a unit, as in 48GiB");
  }
  int64_t scale = 0;
  if (iequals(unit, "MiB")) scale = kBytesPerMib;
  if (iequals(unit, "GiB")) scale = kBytesPerGib;
  if (iequals(unit, "TiB")) scale = 1024 * kBytesPerGib;
  if (scale == 0) {
    return Status::invalid_argument("bad memory unit \"" + std::string(unit) + "\" in \"" +
                                    std::string(text) + "\": use MiB, GiB or TiB");
  }
  if (value == 0 || value > kMaxMemoryBytes / scale) {
    return Status::invalid_argument("memory " + std::string(text) +
                                    " out of range: must be more than 0 and at most 16TiB");
  }
  *out = value * scale;
  return Status::ok();
}

Status parse_count(std::string_view text, int32_t* out) {
  if (text.empty() || leading(text, is_digit) != text) {
    return Status::invalid_argument("bad count \"" + std::string(text) +
                                    "\": expected a whole number before 'x'");
  }
  const std::string_view significant =
      text.substr(std::min(text.find_first_not_of('0'), text.size()));
  if (significant.empty()) {
    return Status::invalid_argument("count 0: an item needs at least one GPU");
  }
  int64_t count = 0;
  if (significant.size() > 2 || !parse_digits(significant, &count) || count > kMaxSimulatedGpus) {
    return Status::invalid_argument("count " + std::string(text) + " exceeds the limit of " +
                                    std::to_string(kMaxSimulatedGpus) + " GPUs");
  }
  *out = static_cast<int32_t>(count);
  return Status::ok();
}

// "40tflops" or "40tflops:16GiB".
Status parse_tflops_gpu(std::string_view text, SimulatedGpuGroup* group) {
  const size_t colon = text.find(':');
  const std::string_view compute = text.substr(0, colon);
  const std::string_view number = leading(compute, [](char c) { return is_digit(c) || c == '.'; });
  const std::string_view unit = compute.substr(number.size());
  constexpr std::string_view kUnit = "tflops";
  if (unit.size() < kUnit.size() || !iequals(unit.substr(0, kUnit.size()), kUnit)) {
    return Status::invalid_argument("expected unit 'tflops' after \"" + std::string(number) +
                                    "\", found \"" + std::string(unit) + "\"");
  }
  if (unit.size() > kUnit.size()) {
    return Status::invalid_argument("trailing characters \"" +
                                    std::string(unit.substr(kUnit.size())) + "\" after 'tflops'");
  }
  if (Status s = parse_milli_tflops(number, &group->milli_tflops); !s.is_ok()) return s;
  group->memory_bytes = kDefaultSimulatedMemoryBytes;
  if (colon == std::string_view::npos) return Status::ok();
  return parse_memory(text.substr(colon + 1), &group->memory_bytes);
}

Status parse_model_gpu(std::string_view text, SimulatedGpuGroup* group) {
  if (text.find(':') != std::string_view::npos) {
    return Status::invalid_argument(
        "a memory size (':...') may follow only a TFLOPS GPU; model \"" +
        std::string(text.substr(0, text.find(':'))) + "\" has the memory of core's spec table");
  }
  group->model_id = find_model_ignoring_case(text);
  if (!group->model_id) {
    return Status::invalid_argument("unknown GPU model \"" + std::string(text) +
                                    "\"; known models: " + known_models() +
                                    "; or give TFLOPS, as in 1x40tflops");
  }
  const GpuModelSpec& spec = gpu_model_spec(*group->model_id);
  group->milli_tflops = spec.milli_tflops;
  group->memory_bytes = spec.memory_mib * kBytesPerMib;
  return Status::ok();
}

Status parse_item(std::string_view item, SimulatedGpuGroup* group) {
  if (item.empty()) return Status::invalid_argument("empty item");
  const size_t x = item.find_first_of("xX");
  if (x == std::string_view::npos) {
    return Status::invalid_argument("expected COUNTxMODEL or COUNTxTFLOPStflops, found no 'x'");
  }
  if (Status s = parse_count(item.substr(0, x), &group->count); !s.is_ok()) return s;
  const std::string_view what = item.substr(x + 1);
  if (what.empty()) return Status::invalid_argument("missing GPU model or TFLOPS after 'x'");
  if (is_digit(what.front()) || what.front() == '.') return parse_tflops_gpu(what, group);
  return parse_model_gpu(what, group);
}

Status with_context(std::string_view spec, size_t item_number, std::string_view item,
                    const Status& s) {
  return Status::invalid_argument("simulated GPU spec \"" + std::string(spec) + "\": item " +
                                  std::to_string(item_number) + " \"" + std::string(item) +
                                  "\": " + s.message());
}

// The model name a device record carries: core's name, or one made up from the throughput.
std::string device_model_name(const SimulatedGpuGroup& group) {
  if (group.model_id) return std::string(gpu_model_spec(*group.model_id).name);
  std::string tflops = std::to_string(group.milli_tflops / 1000);
  if (int64_t frac = group.milli_tflops % 1000; frac != 0) {
    char buf[8];
    std::snprintf(buf, sizeof buf, ".%03lld", static_cast<long long>(frac));
    tflops += buf;
    while (tflops.back() == '0') tflops.pop_back();
  }
  return "Simulated-" + tflops + "TFLOPS";
}

}  // namespace

Status parse_simulated_gpus(std::string_view spec, std::vector<SimulatedGpuGroup>* out) {
  out->clear();
  if (spec.empty()) {
    return Status::invalid_argument("simulated GPU spec \"\" is empty; expected e.g. 8xA100-80GB");
  }
  std::vector<SimulatedGpuGroup> groups;
  int64_t total = 0;
  size_t start = 0;
  for (size_t number = 1;; ++number) {
    const size_t comma = spec.find(',', start);
    const std::string_view item = spec.substr(start, comma - start);
    SimulatedGpuGroup group;
    if (Status s = parse_item(item, &group); !s.is_ok()) {
      return with_context(spec, number, item, s);
    }
    total += group.count;
    groups.push_back(group);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (total > kMaxSimulatedGpus) {
    return Status::invalid_argument("simulated GPU spec \"" + std::string(spec) + "\" describes " +
                                    std::to_string(total) + " GPUs; the limit is " +
                                    std::to_string(kMaxSimulatedGpus));
  }
  *out = std::move(groups);
  return Status::ok();
}

std::string simulated_gpu_uuid(std::string_view host_key, int32_t index) {
  uint32_t hash = 2166136261u;  // FNV-1a: stable across builds and machines, unlike std::hash
  for (unsigned char c : host_key) hash = (hash ^ c) * 16777619u;
  char buf[40];
  std::snprintf(buf, sizeof buf, "GPU-sim-%08x-%04d", static_cast<unsigned>(hash),
                static_cast<int>(index));
  return buf;
}

Status SimulatedInventory::create(std::string_view spec, std::string_view host_key,
                                  std::unique_ptr<SimulatedInventory>* out) {
  std::vector<SimulatedGpuGroup> groups;
  if (Status s = parse_simulated_gpus(spec, &groups); !s.is_ok()) return s;
  *out = std::make_unique<SimulatedInventory>(groups, host_key);
  return Status::ok();
}

SimulatedInventory::SimulatedInventory(const std::vector<SimulatedGpuGroup>& groups,
                                       std::string_view host_key) {
  for (const SimulatedGpuGroup& group : groups) {
    for (int32_t i = 0; i < group.count; ++i) {
      GpuDevice d;
      d.index = static_cast<int32_t>(devices_.size());
      d.uuid = simulated_gpu_uuid(host_key, d.index);
      d.model = device_model_name(group);
      d.model_id = group.model_id;
      d.milli_tflops = group.milli_tflops;
      d.memory_bytes = group.memory_bytes;
      d.sm_count = group.model_id ? gpu_model_spec(*group.model_id).sm_count : 0;
      d.simulated = true;
      devices_.push_back(std::move(d));
    }
  }
}

Status SimulatedInventory::discover(std::vector<GpuDevice>* out) {
  std::lock_guard lock(mu_);
  *out = devices_;
  return Status::ok();
}

Status SimulatedInventory::sample(std::vector<GpuUsage>* out) {
  std::lock_guard lock(mu_);
  out->clear();
  for (const GpuDevice& d : devices_) {
    out->push_back({d.index, d.utilization_percent, d.memory_used_bytes});
  }
  return Status::ok();
}

Status SimulatedInventory::set_allocation(int32_t index, MilliGpu allocated_milli,
                                          int64_t memory_used_bytes) {
  std::lock_guard lock(mu_);
  if (index < 0 || static_cast<size_t>(index) >= devices_.size()) {
    return Status::invalid_argument("no simulated GPU " + std::to_string(index) + " (there are " +
                                    std::to_string(devices_.size()) + ")");
  }
  GpuDevice& d = devices_[index];
  if (allocated_milli < 0 || allocated_milli > kMilliPerGpu) {
    return Status::invalid_argument("allocated milli-GPU " + std::to_string(allocated_milli) +
                                    " outside 0..1000");
  }
  if (memory_used_bytes < 0 || memory_used_bytes > d.memory_bytes) {
    return Status::invalid_argument("memory used " + std::to_string(memory_used_bytes) +
                                    " outside 0.." + std::to_string(d.memory_bytes) + " bytes");
  }
  d.utilization_percent = (allocated_milli + 9) / 10;
  d.memory_used_bytes = memory_used_bytes;
  return Status::ok();
}

}  // namespace fastgpu
