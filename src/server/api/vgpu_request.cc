#include "server/api/vgpu_request.h"

#include "server/api/json_body.h"
#include "server/api/quantity.h"

namespace fastgpu {

ApiError parse_vgpu_request(std::string_view body, const std::string& owner, VgpuSpec* spec) {
  nlohmann::json object;
  if (ApiError e = parse_json_object(body, &object); !e.is_ok()) return e;
  FieldReader reader(object);
  *spec = VgpuSpec{};
  spec->owner = owner;
  if (reader.has("tflops") == reader.has("gpu")) {
    reader.fail("tflops", "give exactly one of \"tflops\" and \"gpu\"");
  }
  if (auto tflops = reader.number("tflops")) {
    const std::optional<int64_t> milli = tflops_to_milli(*tflops);
    if (!milli) reader.fail("tflops", "must be above 0 and at most 100000");
    spec->milli_tflops = milli.value_or(0);
  }
  if (auto gpu = reader.number("gpu")) {
    const std::optional<MilliGpu> milli = fraction_to_milli_gpu(*gpu);
    if (!milli) reader.fail("gpu", "must be a fraction of one GPU within (0, 1]");
    spec->gpu_milli = milli.value_or(0);
  }
  if (const nlohmann::json* memory = reader.raw("memory")) {
    std::string problem;
    const std::optional<int64_t> bytes = parse_memory_bytes(*memory, &problem);
    if (!bytes) reader.fail("memory", problem);
    spec->memory_mib = bytes_to_mib_up(bytes.value_or(0));
  }
  for (auto [field, ms] : {std::pair{"lease", &spec->lease_ms}, std::pair{"ttl", &spec->ttl_ms},
                           std::pair{"idle_timeout", &spec->idle_timeout_ms}}) {
    if (auto seconds = reader.number(field)) {
      const std::optional<int64_t> value = seconds_to_ms(*seconds);
      if (!value || *value > kMaxVgpuTimerMs) {
        reader.fail(field, "must be above 0 and at most 30 days, in seconds");
      }
      *ms = value.value_or(0);
    }
  }
  return reader.finish();
}

}  // namespace fastgpu
