#pragma once
// POST /v1/vgpus: the request body to a VgpuSpec, checked field by field.

#include <string>
#include <string_view>

#include "server/api/api_error.h"
#include "store/records.h"

namespace fastgpu {

/// Parses {"tflops": T} or {"gpu": F}, with optional "memory", "lease", "ttl" and
/// "idle_timeout" (seconds), for `owner` into *spec.
/// TFLOPS leave spec->gpu_milli at 0 until placement resolves them on a GPU model.
ApiError parse_vgpu_request(std::string_view body, const std::string& owner, VgpuSpec* spec);

}  // namespace fastgpu
