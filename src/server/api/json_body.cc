#include "server/api/json_body.h"

#include <cmath>

namespace fastgpu {
namespace {

// Deepest nesting of `body`, counting brackets outside strings; stops counting past `limit`.
int nesting_depth(std::string_view body, int limit) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : body) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '[' || c == '{') deepest = std::max(deepest, ++depth);
    if (c == ']' || c == '}') --depth;
    if (deepest > limit) break;
  }
  return deepest;
}

std::string field_label(std::string_view name) { return "field \"" + std::string(name) + "\""; }

}  // namespace

ApiError parse_json_object(std::string_view body, nlohmann::json* object) {
  if (nesting_depth(body, kMaxJsonDepth) > kMaxJsonDepth) {
    return ApiError::invalid_json("body nests deeper than " + std::to_string(kMaxJsonDepth) +
                                  " levels");
  }
  *object = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (object->is_discarded()) return ApiError::invalid_json("body is not valid JSON");
  if (!object->is_object()) return ApiError::invalid_json("body must be a JSON object");
  return {};
}

bool FieldReader::has(std::string_view name) const {
  auto it = object_.find(name);
  return it != object_.end() && !it->is_null();
}

const nlohmann::json* FieldReader::take(std::string_view name) {
  read_.emplace(name);
  if (!error_.is_ok()) return nullptr;
  auto it = object_.find(name);
  if (it == object_.end() || it->is_null()) return nullptr;
  return &*it;
}

void FieldReader::fail(std::string_view name, std::string_view problem) {
  if (error_.is_ok())
    error_ = ApiError::invalid_argument(field_label(name) + ": " + std::string(problem));
}

std::optional<double> FieldReader::number(std::string_view name) {
  const nlohmann::json* v = take(name);
  if (!v) return std::nullopt;
  if (!v->is_number() || !std::isfinite(v->get<double>())) {
    fail(name, "must be a number");
    return std::nullopt;
  }
  return v->get<double>();
}

std::optional<int64_t> FieldReader::integer(std::string_view name, int64_t min, int64_t max) {
  const nlohmann::json* v = take(name);
  if (!v) return std::nullopt;
  if (!v->is_number_integer()) {
    fail(name, "must be an integer");
    return std::nullopt;
  }
  const std::string range = "must be within " + std::to_string(min) + ".." + std::to_string(max);
  const bool too_big_unsigned =
      v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX);
  const int64_t value = too_big_unsigned ? INT64_MAX : v->get<int64_t>();
  if (value < min || value > max) {
    fail(name, range + ", got " + v->dump());
    return std::nullopt;
  }
  return value;
}

std::optional<std::string> FieldReader::string(std::string_view name, size_t max_bytes) {
  const nlohmann::json* v = take(name);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    fail(name, "must be a string");
    return std::nullopt;
  }
  const std::string& s = v->get_ref<const std::string&>();
  if (s.size() > max_bytes) {
    fail(name, "must be at most " + std::to_string(max_bytes) + " bytes");
    return std::nullopt;
  }
  return s;
}

std::optional<bool> FieldReader::boolean(std::string_view name) {
  const nlohmann::json* v = take(name);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) {
    fail(name, "must be true or false");
    return std::nullopt;
  }
  return v->get<bool>();
}

const nlohmann::json* FieldReader::raw(std::string_view name) { return take(name); }

ApiError FieldReader::finish() {
  if (!error_.is_ok()) return error_;
  for (auto it = object_.begin(); it != object_.end(); ++it) {
    if (!read_.contains(it.key())) {
      return ApiError::invalid_argument(field_label(it.key()) + ": unknown field");
    }
  }
  return {};
}

}  // namespace fastgpu
