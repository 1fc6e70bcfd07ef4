#pragma once
// Reading a request body as one JSON object, strictly: bounded nesting, fields typed and ranged,
// unknown fields refused. Every error names the field.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "server/api/api_error.h"

namespace fastgpu {

/// Deepest nesting of arrays and objects a body may have; deeper bodies are refused before the
/// (recursive) parser sees them.
inline constexpr int kMaxJsonDepth = 32;

/// Parses `body` into *object. invalid_json when it is not JSON, nests deeper than
/// kMaxJsonDepth, or is not an object.
ApiError parse_json_object(std::string_view body, nlohmann::json* object);

/// Typed access to the fields of one JSON object. The first error is kept and later reads do
/// nothing; finish() adds an error for every field never read (an unknown field). Not
/// thread-safe; the object must outlive the reader.
class FieldReader {
 public:
  explicit FieldReader(const nlohmann::json& object) : object_(object) {}

  /// True when the field is present (and not null).
  bool has(std::string_view name) const;
  /// A number, if present; an error unless it is a finite number.
  std::optional<double> number(std::string_view name);
  /// An integer within [min, max], if present.
  std::optional<int64_t> integer(std::string_view name, int64_t min, int64_t max);
  /// A string of at most max_bytes bytes, if present.
  std::optional<std::string> string(std::string_view name, size_t max_bytes);
  /// A boolean, if present.
  std::optional<bool> boolean(std::string_view name);
  /// The raw value, if present, for fields with their own parser (memory, argv, env).
  const nlohmann::json* raw(std::string_view name);

  /// Records an error about `name` unless one is already kept.
  void fail(std::string_view name, std::string_view problem);

  /// The kept error, after refusing fields that were never read; OK when none.
  ApiError finish();

 private:
  const nlohmann::json* take(std::string_view name);

  const nlohmann::json& object_;
  std::set<std::string, std::less<>> read_;
  ApiError error_;
};

}  // namespace fastgpu
