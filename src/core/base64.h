#pragma once
// Base64 (RFC 4648, standard alphabet, padded): how arbitrary bytes (a task's output) travel
// inside JSON strings.

#include <string>
#include <string_view>

namespace fastgpu {

/// The padded base64 text of `bytes`.
std::string base64_encode(std::string_view bytes);

/// Decodes padded base64 `text` into *bytes. False, leaving *bytes unspecified, unless `text`
/// is exactly what base64_encode produces for some bytes: a length divisible by 4, only the
/// standard alphabet, '=' only as one or two final characters, and zero unused bits.
bool base64_decode(std::string_view text, std::string* bytes);

}  // namespace fastgpu
