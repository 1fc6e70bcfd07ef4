#pragma once
// POST /v1/tasks: the request body to a TaskSpec, checked field by field.

#include <string>
#include <string_view>

#include "server/api/api_error.h"
#include "store/records.h"

namespace fastgpu {

/// Longest task name accepted.
inline constexpr size_t kMaxTaskNameBytes = 256;
/// Most retries a task may ask for.
inline constexpr int64_t kMaxTaskRetries = 100;

/// Parses the body of a task submission for `owner` into *spec (see docs/API.md for the fields).
/// Compute asked in TFLOPS leaves spec->shape.gpu_milli at 0: the share depends on the GPU model,
/// which admission (Admission::admit) resolves. A task in a vGPU that asks for no compute
/// gets num_gpu 0 here and the whole vGPU at admission. Errors name the field; *spec is then
/// unspecified.
ApiError parse_task_request(std::string_view body, const std::string& owner, TaskSpec* spec);

}  // namespace fastgpu
