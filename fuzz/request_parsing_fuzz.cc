// libFuzzer target for fastgpud's request parsing: every input is parsed as a task submission
// and as a vGPU creation body. On success the spec must be within the documented ranges; on
// failure the error must be a 4xx with a message.

#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "server/api/task_request.h"
#include "server/api/vgpu_request.h"

namespace {

void check_error(const fastgpu::ApiError& e) {
  FUZZ_CHECK(e.http_status() >= 400 && e.http_status() < 500);
  FUZZ_CHECK(!e.message().empty());
}

void check_task(std::string_view body) {
  fastgpu::TaskSpec spec;
  const fastgpu::ApiError e = fastgpu::parse_task_request(body, "fuzz", &spec);
  if (!e.is_ok()) return check_error(e);
  FUZZ_CHECK(spec.shape.num_gpu >= 0 && spec.shape.num_gpu <= fastgpu::kMaxGpusPerNode);
  FUZZ_CHECK(spec.shape.gpu_milli >= 0 && spec.shape.gpu_milli <= fastgpu::kMilliPerGpu);
  FUZZ_CHECK(spec.shape.gpu_memory_mib >= 0 && spec.shape.cpu_milli >= 0);
  FUZZ_CHECK(spec.milli_tflops >= 0 && spec.timeout_ms >= 0 && spec.max_retries >= 0);
  FUZZ_CHECK((spec.kind == fastgpu::WorkKind::kCommand) == !spec.command.argv.empty());
  FUZZ_CHECK(spec.kind == fastgpu::WorkKind::kCommand || spec.synthetic.duration_ms > 0);
}

void check_vgpu(std::string_view body) {
  fastgpu::VgpuSpec spec;
  const fastgpu::ApiError e = fastgpu::parse_vgpu_request(body, "fuzz", &spec);
  if (!e.is_ok()) return check_error(e);
  FUZZ_CHECK((spec.milli_tflops > 0) != (spec.gpu_milli > 0));
  FUZZ_CHECK(spec.gpu_milli <= fastgpu::kMilliPerGpu && spec.memory_mib >= 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  check_task(body);
  check_vgpu(body);
  return 0;
}
