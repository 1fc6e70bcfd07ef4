#pragma once
// The OpenAPI 3 document of the v1 API, served at /openapi.json.

#include <string>

namespace fastgpu {

/// The document as JSON text. docs/API.md is its human-readable form.
std::string openapi_document();

}  // namespace fastgpu
