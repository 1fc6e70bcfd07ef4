#include "sim/trace_reader.h"

#include <charconv>
#include <cstdlib>
#include <unordered_set>

namespace fastgpu {
namespace {

constexpr size_t kMaxFields = 16;

// One CSV row being read, with what is needed to name a bad field precisely.
class Row {
 public:
  Row(std::string_view source, size_t line_no, std::string_view line,
      const std::vector<std::string_view>& header)
      : source_(source), line_no_(line_no), header_(header) {
    size_t start = 0;
    while (fields_.size() <= kMaxFields) {
      size_t comma = line.find(',', start);
      fields_.push_back(
          line.substr(start, comma == std::string_view::npos ? line.npos : comma - start));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
  }

  size_t size() const { return fields_.size(); }
  std::string_view text(size_t i) const { return fields_[i]; }

  Status error(std::string what) const {
    return Status::invalid_argument(std::string(source_) + ":" + std::to_string(line_no_) + ": " +
                                    what);
  }
  Status field_error(size_t i, std::string_view expected) const {
    std::string shown(fields_[i].substr(0, 40));
    return error("field '" + std::string(header_[i]) + "': expected " + std::string(expected) +
                 ", got '" + shown + "'");
  }

  // Parses field i as an integer within [lo, hi].
  Status integer(size_t i, int64_t lo, int64_t hi, int64_t* out) const {
    std::string_view f = fields_[i];
    int64_t v = 0;
    auto [end, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
    if (f.empty() || ec != std::errc() || end != f.data() + f.size() || v < lo || v > hi) {
      return field_error(i, "an integer in " + std::to_string(lo) + ".." + std::to_string(hi));
    }
    *out = v;
    return Status::ok();
  }

 private:
  std::string_view source_;
  size_t line_no_;
  const std::vector<std::string_view>& header_;
  std::vector<std::string_view> fields_;
};

// Splits text into lines, dropping a trailing '\r' and a final empty line.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    std::string_view line = text.substr(start, nl == text.npos ? text.npos : nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (nl == text.npos) break;
    start = nl + 1;
  }
  return lines;
}

std::vector<std::string_view> split_header(std::string_view line) {
  std::vector<std::string_view> names;
  size_t start = 0;
  for (;;) {
    size_t comma = line.find(',', start);
    names.push_back(line.substr(start, comma == line.npos ? line.npos : comma - start));
    if (comma == line.npos) break;
    start = comma + 1;
  }
  return names;
}

// Checks the header is exactly `expected` (one of the accepted column lists).
Status check_header(std::string_view source, const std::vector<std::string_view>& got,
                    const std::vector<std::vector<std::string_view>>& accepted) {
  for (const auto& cols : accepted) {
    if (got == cols) return Status::ok();
  }
  std::string want;
  for (size_t i = 0; i < accepted.size(); ++i) {
    if (i) want += "' or '";
    for (size_t j = 0; j < accepted[i].size(); ++j) {
      if (j) want += ',';
      want += accepted[i][j];
    }
  }
  return Status::invalid_argument(std::string(source) + ":1: header: expected '" + want + "'");
}

constexpr int64_t kMaxCpuMilli = int64_t{1} << 40;
constexpr int64_t kMaxMemoryMib = int64_t{1} << 40;
constexpr int64_t kMaxTime = int64_t{1} << 50;

Status parse_model_mask(const Row& row, size_t i, GpuModelMask* mask) {
  std::string_view f = row.text(i);
  if (f.empty()) {
    *mask = kAnyGpuModel;
    return Status::ok();
  }
  GpuModelMask m = 0;
  size_t start = 0;
  for (;;) {
    size_t bar = f.find('|', start);
    std::string_view name = f.substr(start, bar == f.npos ? f.npos : bar - start);
    auto id = find_gpu_model(name);
    if (!id) return row.field_error(i, "GPU model names separated by '|'");
    m |= model_bit(*id);
    if (bar == f.npos) break;
    start = bar + 1;
  }
  *mask = m;
  return Status::ok();
}

Status parse_qos(const Row& row, size_t i, Qos* qos) {
  static constexpr std::pair<std::string_view, Qos> kNames[] = {{"LS", Qos::kLS},
                                                                {"BE", Qos::kBE},
                                                                {"Burstable", Qos::kBurstable},
                                                                {"Guaranteed", Qos::kGuaranteed},
                                                                {"", Qos::kUnspecified}};
  for (const auto& [name, value] : kNames) {
    if (row.text(i) == name) {
      *qos = value;
      return Status::ok();
    }
  }
  return row.field_error(i, "one of LS, BE, Burstable, Guaranteed");
}

Status parse_phase(const Row& row, size_t i) {
  for (std::string_view p : {"Running", "Succeeded", "Failed", "Pending", ""}) {
    if (row.text(i) == p) return Status::ok();
  }
  return row.field_error(i, "one of Running, Succeeded, Failed, Pending");
}

Status parse_node_row(const Row& row, NodeSpec* node) {
  int64_t v = 0;
  if (row.text(0).empty()) return row.field_error(0, "a node name");
  node->name = std::string(row.text(0));
  if (Status s = row.integer(1, 0, kMaxCpuMilli, &v); !s.is_ok()) return s;
  node->cpu_milli = v;
  if (Status s = row.integer(2, 0, kMaxMemoryMib, &v); !s.is_ok()) return s;
  node->memory_mib = v;
  if (Status s = row.integer(3, 0, kMaxGpusPerNode, &v); !s.is_ok()) return s;
  node->num_gpus = static_cast<int32_t>(v);
  if (node->num_gpus == 0) {
    if (!row.text(4).empty()) return row.field_error(4, "no model on a node without GPUs");
    return Status::ok();
  }
  auto id = find_gpu_model(row.text(4));
  if (!id) return row.field_error(4, "a known GPU model name");
  node->model = *id;
  node->gpu_memory_mib = gpu_model_spec(*id).memory_mib;
  return Status::ok();
}

Status parse_task_row(const Row& row, bool with_times, Task* task) {
  int64_t v = 0;
  if (row.text(0).empty()) return row.field_error(0, "a task name");
  task->name = std::string(row.text(0));
  TaskShape& s = task->shape;
  if (Status st = row.integer(1, 0, kMaxCpuMilli, &v); !st.is_ok()) return st;
  s.cpu_milli = v;
  if (Status st = row.integer(2, 0, kMaxMemoryMib, &v); !st.is_ok()) return st;
  s.memory_mib = v;
  if (Status st = row.integer(3, 0, kMaxGpusPerNode, &v); !st.is_ok()) return st;
  s.num_gpu = static_cast<int32_t>(v);
  if (Status st = row.integer(4, 0, kMilliPerGpu, &v); !st.is_ok()) return st;
  s.gpu_milli = static_cast<MilliGpu>(v);
  if (s.num_gpu == 0 && s.gpu_milli != 0) return row.field_error(4, "0 when num_gpu is 0");
  if (s.num_gpu == 1 && s.gpu_milli == 0) return row.field_error(4, "1..1000 when num_gpu is 1");
  if (s.num_gpu > 1 && s.gpu_milli != kMilliPerGpu) {
    return row.field_error(4, "1000 when num_gpu is above 1");
  }
  task->creation_time = task->deletion_time = -1;
  if (!with_times) return Status::ok();
  if (Status st = parse_model_mask(row, 5, &s.allowed_models); !st.is_ok()) return st;
  if (Status st = parse_qos(row, 6, &task->qos); !st.is_ok()) return st;
  if (Status st = parse_phase(row, 7); !st.is_ok()) return st;
  if (Status st = row.integer(8, 0, kMaxTime, &task->creation_time); !st.is_ok()) return st;
  if (Status st = row.integer(9, 0, kMaxTime, &task->deletion_time); !st.is_ok()) return st;
  if (task->deletion_time < task->creation_time) {
    return row.field_error(9, "a time not before creation_time");
  }
  if (!row.text(10).empty()) {
    if (Status st = row.integer(10, 0, kMaxTime, &v); !st.is_ok()) return st;
  }
  return Status::ok();
}

// Drives a row parser over every data line; all-or-nothing into `out`.
template <typename Item, typename ParseRow>
Status parse_rows(std::string_view text, std::string_view source,
                  const std::vector<std::vector<std::string_view>>& headers, std::vector<Item>* out,
                  ParseRow parse_row) {
  std::vector<std::string_view> lines = split_lines(text);
  if (lines.empty()) return Status::invalid_argument(std::string(source) + ": empty file");
  std::vector<std::string_view> header = split_header(lines[0]);
  if (Status s = check_header(source, header, headers); !s.is_ok()) return s;
  std::vector<Item> items;
  items.reserve(lines.size());
  std::unordered_set<std::string_view> names;
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].empty()) {
      if (i + 1 == lines.size()) break;
      return Row(source, i + 1, lines[i], header).error("empty line");
    }
    Row row(source, i + 1, lines[i], header);
    if (row.size() != header.size()) {
      return row.error("expected " + std::to_string(header.size()) + " fields, got " +
                       (row.size() > kMaxFields ? "more" : std::to_string(row.size())));
    }
    Item item;
    if (Status s = parse_row(row, header.size(), &item); !s.is_ok()) return s;
    if (!names.insert(row.text(0)).second) return row.field_error(0, "a name not used before");
    items.push_back(std::move(item));
  }
  *out = std::move(items);
  return Status::ok();
}

}  // namespace

Status parse_node_list(std::string_view text, std::string_view source, std::vector<NodeSpec>* out) {
  return parse_rows(text, source, {{"sn", "cpu_milli", "memory_mib", "gpu", "model"}}, out,
                    [](const Row& row, size_t, NodeSpec* n) { return parse_node_row(row, n); });
}

Status parse_task_list(std::string_view text, std::string_view source, std::vector<Task>* out) {
  return parse_rows(text, source,
                    {{"name", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli", "gpu_spec", "qos",
                      "pod_phase", "creation_time", "deletion_time", "scheduled_time"},
                     {"name", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli"}},
                    out, [](const Row& row, size_t columns, Task* t) {
                      return parse_task_row(row, columns == 11, t);
                    });
}

Status read_node_list(const std::string& path, std::vector<NodeSpec>* out) {
  std::string text;
  if (Status s = read_file(path, &text); !s.is_ok()) return s;
  return parse_node_list(text, path, out);
}

Status read_task_list(const std::string& path, std::vector<Task>* out) {
  std::string text;
  if (Status s = read_file(path, &text); !s.is_ok()) return s;
  return parse_task_list(text, path, out);
}

std::string default_trace_dir() {
  const char* env = std::getenv("FASTGPU_DATA");
  return env && *env ? env : "../shared/data/alibaba-gpu-v2023";
}

Status read_trace(const std::string& nodes_path, const std::string& pods_path,
                  std::vector<NodeSpec>* nodes, std::vector<Task>* tasks) {
  if (Status s = read_node_list(nodes_path, nodes); !s.is_ok()) return s;
  return read_task_list(pods_path, tasks);
}

}  // namespace fastgpu
