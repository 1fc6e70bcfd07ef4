#include "server/api/task_request.h"

#include <cctype>
#include <cmath>

#include "server/api/json_body.h"
#include "server/api/quantity.h"

namespace fastgpu {
namespace {

constexpr size_t kMaxArgs = 4096;
constexpr size_t kMaxArgBytes = 128 * 1024;
constexpr size_t kMaxEnvVars = 1024;

bool has_nul(const std::string& s) { return s.find('\0') != std::string::npos; }

bool is_variable_name(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

void read_argv(const nlohmann::json& value, FieldReader* reader, CommandLine* command) {
  if (!value.is_array() || value.empty() || value.size() > kMaxArgs) {
    reader->fail("argv", "must be a non-empty array of at most 4096 strings");
    return;
  }
  for (const nlohmann::json& arg : value) {
    if (!arg.is_string() || arg.get_ref<const std::string&>().size() > kMaxArgBytes ||
        has_nul(arg.get_ref<const std::string&>())) {
      reader->fail("argv", "every element must be a string of at most 128 KiB without NUL");
      return;
    }
    command->argv.push_back(arg.get<std::string>());
  }
  if (command->argv[0].empty()) reader->fail("argv", "argv[0] must not be empty");
}

// Variables FastGPU sets for a task and a user may not: its own (the vGPU limits, the burst
// setting, the driver paths), the preload that loads the enforcement library, and the GPUs.
bool is_reserved_variable(const std::string& name) {
  return name.starts_with("FASTGPU_") || name == "LD_PRELOAD" || name == "LD_AUDIT" ||
         name == "CUDA_VISIBLE_DEVICES" || name == "NVIDIA_VISIBLE_DEVICES";
}

void read_env(const nlohmann::json& value, FieldReader* reader, CommandLine* command) {
  if (!value.is_object() || value.size() > kMaxEnvVars) {
    reader->fail("env", "must be an object of at most 1024 string values");
    return;
  }
  for (auto it = value.begin(); it != value.end(); ++it) {
    if (!is_variable_name(it.key())) {
      reader->fail("env", "\"" + it.key() + "\" is not a variable name ([A-Za-z_][A-Za-z0-9_]*)");
      return;
    }
    if (is_reserved_variable(it.key())) {
      reader->fail("env", "\"" + it.key() +
                              "\" is set by FastGPU and cannot be given (FASTGPU_*, LD_PRELOAD, "
                              "LD_AUDIT, CUDA_VISIBLE_DEVICES, NVIDIA_VISIBLE_DEVICES)");
      return;
    }
    if (!it.value().is_string() || has_nul(it.value().get_ref<const std::string&>())) {
      reader->fail("env", "value of \"" + it.key() + "\" must be a string without NUL");
      return;
    }
    command->env.push_back({it.key(), it.value().get<std::string>()});
  }
}

// gpus | gpu | tflops: at most one; fills the shape's GPU part and spec->milli_tflops.
void read_compute(FieldReader* reader, TaskSpec* spec) {
  const int asked = int{reader->has("gpus")} + int{reader->has("gpu")} + int{reader->has("tflops")};
  if (asked > 1) reader->fail("gpus", "give only one of \"gpus\", \"gpu\" and \"tflops\"");
  if (auto gpus = reader->integer("gpus", 1, kMaxGpusPerNode)) {
    spec->shape.num_gpu = static_cast<int32_t>(*gpus);
    spec->shape.gpu_milli = kMilliPerGpu;
  }
  if (auto gpu = reader->number("gpu")) {
    const std::optional<MilliGpu> milli = fraction_to_milli_gpu(*gpu);
    if (!milli)
      reader->fail("gpu",
                   "must be a fraction of one GPU within (0, 1]; use \"gpus\" for whole GPUs");
    spec->shape.num_gpu = 1;
    spec->shape.gpu_milli = milli.value_or(0);
  }
  if (auto tflops = reader->number("tflops")) {
    const std::optional<int64_t> milli = tflops_to_milli(*tflops);
    if (!milli) reader->fail("tflops", "must be above 0 and at most 100000");
    spec->shape.num_gpu = 1;
    spec->milli_tflops = milli.value_or(0);
  }
}

void read_resources(FieldReader* reader, TaskSpec* spec) {
  read_compute(reader, spec);
  if (const nlohmann::json* memory = reader->raw("memory")) {
    std::string problem;
    const std::optional<int64_t> bytes = parse_memory_bytes(*memory, &problem);
    if (!bytes) reader->fail("memory", problem);
    if (bytes && spec->shape.num_gpu == 0 && spec->vgpu == kNoVgpu) {
      reader->fail("memory", "GPU memory needs \"gpus\", \"gpu\" or \"tflops\"");
    }
    spec->shape.gpu_memory_mib = bytes_to_mib_up(bytes.value_or(0));
  }
  if (const nlohmann::json* host_memory = reader->raw("host_memory")) {
    std::string problem;
    const std::optional<int64_t> bytes = parse_memory_bytes(*host_memory, &problem);
    if (!bytes) reader->fail("host_memory", problem);
    spec->shape.memory_mib = bytes_to_mib_up(bytes.value_or(0));
  }
  if (auto cpu = reader->number("cpu")) {
    if (!(*cpu > 0) || *cpu > 4096) reader->fail("cpu", "must be above 0 and at most 4096 cores");
    spec->shape.cpu_milli = static_cast<MilliCpu>(std::ceil(*cpu * 1000));
  }
}

void read_work(FieldReader* reader, TaskSpec* spec) {
  const bool command = reader->has("argv");
  const bool synthetic = reader->has("seconds");
  if (command == synthetic) {
    reader->fail("argv",
                 "give exactly one of \"argv\" (a command) and \"seconds\" (a synthetic load)");
  }
  if (const nlohmann::json* argv = reader->raw("argv")) read_argv(*argv, reader, &spec->command);
  if (const nlohmann::json* env = reader->raw("env")) read_env(*env, reader, &spec->command);
  if (auto cwd = reader->string("cwd", 4096)) spec->command.cwd = *cwd;
  if (auto seconds = reader->number("seconds")) {
    const std::optional<int64_t> ms = seconds_to_ms(*seconds);
    if (!ms) reader->fail("seconds", "must be above 0 and at most a year");
    spec->kind = WorkKind::kSynthetic;
    spec->synthetic.duration_ms = ms.value_or(0);
  }
  if (synthetic && (!spec->command.env.empty() || !spec->command.cwd.empty())) {
    reader->fail("env", "\"env\" and \"cwd\" belong to a command (\"argv\"), not a synthetic load");
  }
}

}  // namespace

ApiError parse_task_request(std::string_view body, const std::string& owner, TaskSpec* spec) {
  nlohmann::json object;
  if (ApiError e = parse_json_object(body, &object); !e.is_ok()) return e;
  FieldReader reader(object);
  *spec = TaskSpec{};
  spec->owner = owner;
  if (auto vgpu = reader.integer("vgpu", 1, INT64_MAX)) spec->vgpu = *vgpu;
  read_work(&reader, spec);
  read_resources(&reader, spec);
  spec->synthetic.milli_tflops = spec->milli_tflops;
  if (auto name = reader.string("name", kMaxTaskNameBytes)) spec->name = *name;
  if (auto priority = reader.integer("priority", -1'000'000, 1'000'000)) {
    spec->priority = static_cast<int32_t>(*priority);
  }
  if (auto retries = reader.integer("max_retries", 0, kMaxTaskRetries)) {
    spec->max_retries = static_cast<int32_t>(*retries);
  }
  if (auto timeout = reader.number("timeout")) {
    std::optional<int64_t> ms = *timeout == 0 ? std::optional<int64_t>(0) : seconds_to_ms(*timeout);
    if (!ms) reader.fail("timeout", "must be 0 (none) or above 0 and at most a year, in seconds");
    spec->timeout_ms = ms.value_or(0);
  }
  if (auto enforce = reader.boolean("enforce")) spec->enforce = *enforce;
  if (auto preemptible = reader.boolean("preemptible")) spec->preemptible = *preemptible;
  return reader.finish();
}

}  // namespace fastgpu
