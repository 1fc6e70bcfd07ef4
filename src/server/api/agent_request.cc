#include "server/api/agent_request.h"

#include "core/base64.h"
#include "server/api/json_body.h"

namespace fastgpu {
namespace {

constexpr size_t kMaxNameBytes = 253;   // a host name
constexpr size_t kMaxTextBytes = 4096;  // a model name, a uuid, an exit detail

// Reads each element of the array field `name` (at most `max` of them) with `read`, which gets
// a FieldReader on the element; an element's error is reported as "name[i]: ...".
template <typename Read>
void read_objects(FieldReader* reader, std::string_view name, size_t max, Read read) {
  const nlohmann::json* array = reader->raw(name);
  if (!array) return;
  if (!array->is_array() || array->size() > max) {
    return reader->fail(name, "must be an array of at most " + std::to_string(max) + " objects");
  }
  for (size_t i = 0; i < array->size(); ++i) {
    const nlohmann::json& element = (*array)[i];
    if (!element.is_object()) return reader->fail(name, "every element must be an object");
    FieldReader sub(element);
    read(sub);
    if (ApiError e = sub.finish(); !e.is_ok()) {
      return reader->fail(std::string(name) + "[" + std::to_string(i) + "]", e.message());
    }
  }
}

void read_device(FieldReader& r, std::vector<GpuDevice>* devices) {
  GpuDevice d;
  d.index = static_cast<int32_t>(r.integer("index", 0, kMaxAgentGpus).value_or(0));
  d.uuid = r.string("uuid", kMaxTextBytes).value_or("");
  d.model = r.string("model", kMaxTextBytes).value_or("");
  d.milli_tflops = r.integer("milli_tflops", 0, int64_t{1} << 40).value_or(0);
  d.memory_bytes = r.integer("memory_bytes", 1, int64_t{1} << 50).value_or(0);
  d.sm_count = static_cast<int32_t>(r.integer("sm_count", 0, 1 << 20).value_or(0));
  d.simulated = r.boolean("simulated").value_or(false);
  if (d.model.empty()) r.fail("model", "must be a non-empty string");
  if (d.memory_bytes == 0) r.fail("memory_bytes", "is required");
  d.model_id = find_gpu_model(d.model);
  devices->push_back(std::move(d));
}

void read_exit(FieldReader& r, std::vector<TaskExitReport>* reports) {
  TaskExitReport e;
  e.task = r.integer("task", 1, INT64_MAX).value_or(0);
  e.started = r.boolean("started").value_or(true);
  e.exit_code = static_cast<int>(r.integer("exit_code", -1, 255).value_or(-1));
  e.signal = static_cast<int>(r.integer("signal", 0, 128).value_or(0));
  e.detail = r.string("detail", kMaxTextBytes).value_or("");
  e.usage.cpu_ns = r.integer("cpu_ns", 0, INT64_MAX).value_or(0);
  e.usage.peak_memory_bytes = r.integer("peak_memory_bytes", 0, INT64_MAX).value_or(0);
  e.usage.oom_kills = r.integer("oom_kills", 0, INT64_MAX).value_or(0);
  if (e.task == 0) r.fail("task", "is required");
  reports->push_back(std::move(e));
}

void read_log_chunk(FieldReader& r, std::vector<LogChunk>* chunks) {
  LogChunk chunk;
  chunk.task = r.integer("task", 1, INT64_MAX).value_or(0);
  if (chunk.task == 0) r.fail("task", "is required");
  const std::string stream = r.string("stream", 16).value_or("");
  if (stream != "stdout" && stream != "stderr") r.fail("stream", "must be stdout or stderr");
  chunk.stream = stream == "stderr" ? LogStream::kStderr : LogStream::kStdout;
  chunk.offset = r.integer("offset", 0, int64_t{1} << 50).value_or(-1);
  if (chunk.offset < 0) r.fail("offset", "is required");
  const size_t max_text = (kMaxLogChunkBytes + 2) / 3 * 4;
  const std::optional<std::string> data = r.string("data", max_text);
  if (!data || !base64_decode(*data, &chunk.data) || chunk.data.size() > kMaxLogChunkBytes) {
    r.fail("data", "must be base64 of at most " + std::to_string(kMaxLogChunkBytes) + " bytes");
  }
  chunks->push_back(std::move(chunk));
}

void read_task_ids(FieldReader* reader, std::string_view name, std::vector<int64_t>* out) {
  const nlohmann::json* array = reader->raw(name);
  if (!array) return;
  if (!array->is_array() || array->size() > kMaxSyncItems) {
    return reader->fail(name, "must be an array of task ids");
  }
  for (const nlohmann::json& id : *array) {
    if (!id.is_number_integer() || id.get<int64_t>() <= 0) {
      return reader->fail(name, "every element must be a positive task id");
    }
    out->push_back(id.get<int64_t>());
  }
}

}  // namespace

ApiError parse_register_request(std::string_view body, RegisterRequest* out) {
  nlohmann::json object;
  if (ApiError e = parse_json_object(body, &object); !e.is_ok()) return e;
  FieldReader reader(object);
  out->name = reader.string("name", kMaxNameBytes).value_or("");
  if (out->name.empty() || out->name.find('/') != std::string::npos) {
    reader.fail("name", "must be a non-empty host name without '/'");
  }
  out->cpu_milli = reader.integer("cpu_milli", 1, int64_t{1} << 32).value_or(0);
  if (out->cpu_milli == 0) reader.fail("cpu_milli", "is required");
  read_objects(&reader, "devices", kMaxAgentGpus,
               [out](FieldReader& r) { read_device(r, &out->devices); });
  if (out->devices.empty()) reader.fail("devices", "must list at least one GPU");
  return reader.finish();
}

ApiError parse_sync_request(std::string_view body, SyncRequest* out) {
  nlohmann::json object;
  if (ApiError e = parse_json_object(body, &object); !e.is_ok()) return e;
  FieldReader reader(object);
  out->agent_id = reader.integer("agent_id", 1, INT64_MAX).value_or(0);
  out->epoch = reader.integer("epoch", 1, INT64_MAX).value_or(0);
  if (out->agent_id == 0) reader.fail("agent_id", "is required");
  if (out->epoch == 0) reader.fail("epoch", "is required");
  out->wait_ms = reader.integer("wait_ms", 0, kMaxSyncWaitMs).value_or(0);
  read_task_ids(&reader, "running", &out->running);
  read_objects(&reader, "logs", kMaxSyncItems,
               [out](FieldReader& r) { read_log_chunk(r, &out->logs); });
  read_objects(&reader, "finished", kMaxSyncItems,
               [out](FieldReader& r) { read_exit(r, &out->finished); });
  return reader.finish();
}

}  // namespace fastgpu
