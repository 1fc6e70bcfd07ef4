#include "core/toml_reader.h"

#include <cmath>
#include <cstdio>

namespace fastgpu {
namespace {

// `value` as people write it: no trailing zeros, no exponent below a million.
std::string toml_number_text(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.10g", value);
  return text;
}

}  // namespace

Status TableReader::integer(std::string_view key, int64_t lo, int64_t hi, bool required,
                            int64_t* value) {
  const toml::node* node = take(key);
  if (!node) return missing(key, required);
  const auto* v = node->as_integer();
  if (!v) return error(key, "must be an integer");
  if (v->get() < lo || v->get() > hi) {
    return error(key, "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " +
                          std::to_string(v->get()));
  }
  *value = v->get();
  return Status::ok();
}

Status TableReader::number(std::string_view key, double lo, double hi, bool required,
                           double* value) {
  const toml::node* node = take(key);
  if (!node) return missing(key, required);
  const std::optional<double> d = node->value<double>();
  if (!d || !(node->is_integer() || node->is_floating_point())) {
    return error(key, "must be a number");
  }
  if (!std::isfinite(*d) || *d < lo || *d > hi) {
    return error(key, "must be in [" + toml_number_text(lo) + ", " + toml_number_text(hi) + "]");
  }
  *value = *d;
  return Status::ok();
}

Status TableReader::text(std::string_view key, bool required, std::string* value) {
  const toml::node* node = take(key);
  if (!node) return missing(key, required);
  const auto* v = node->as_string();
  if (!v) return error(key, "must be a string");
  if (v->get().empty()) return error(key, "must not be empty");
  *value = v->get();
  return Status::ok();
}

Status TableReader::texts(std::string_view key, bool required, std::vector<std::string>* value) {
  const toml::node* node = take(key);
  if (!node) return missing(key, required);
  const auto* list = node->as_array();
  if (!list) return error(key, "must be an array of strings");
  std::vector<std::string> out;
  for (const toml::node& item : *list) {
    const auto* v = item.as_string();
    if (!v || v->get().empty()) return error(key, "must hold only non-empty strings");
    out.push_back(v->get());
  }
  *value = std::move(out);
  return Status::ok();
}

Status TableReader::table(std::string_view key, const toml::table** value) {
  const toml::node* node = take(key);
  if (!node) return Status::ok();
  *value = node->as_table();
  return *value ? Status::ok() : error(key, "must be a table");
}

Status TableReader::finish() const {
  for (const auto& [key, node] : table_) {
    if (!read_.contains(std::string(key.str()))) return error(key.str(), "unknown field");
  }
  return Status::ok();
}

Status TableReader::error(std::string_view key, const std::string& what) const {
  std::string line;
  if (const toml::node* node = table_.get(key); node && node->source().begin.line > 0) {
    line = " (line " + std::to_string(node->source().begin.line) + ")";
  }
  return Status::invalid_argument(where_ + ": field '" + std::string(key) + "'" + line + ": " +
                                  what);
}

const toml::node* TableReader::take(std::string_view key) {
  read_.insert(std::string(key));
  return table_.get(key);
}

Status TableReader::missing(std::string_view key, bool required) const {
  return required ? error(key, "is required") : Status::ok();
}

Status parse_toml(std::string_view text, std::string_view source, toml::table* out) {
  try {
    *out = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return Status::invalid_argument(std::string(source) + ":" + std::to_string(where.line) + ":" +
                                    std::to_string(where.column) + ": " +
                                    std::string(e.description()));
  }
  return Status::ok();
}

}  // namespace fastgpu
