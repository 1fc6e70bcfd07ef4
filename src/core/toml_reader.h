#pragma once
// Typed, checked reads of one table of a TOML file (toml++), for configuration files.

#include <toml++/toml.h>

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace fastgpu {

/// Reads the keys of one TOML table. Every error names where the table is (`where`, for example
/// "accounts.toml: project 'vision'"), the key and its line; keys never read are refused by
/// finish().
class TableReader {
 public:
  TableReader(const toml::table& table, std::string where)
      : table_(table), where_(std::move(where)) {}

  /// An integer in [lo, hi]; left unchanged when absent and not required.
  Status integer(std::string_view key, int64_t lo, int64_t hi, bool required, int64_t* value);
  /// A number (integer or float) in [lo, hi], finite; left unchanged when absent.
  Status number(std::string_view key, double lo, double hi, bool required, double* value);
  /// A non-empty string; left unchanged when absent and not required.
  Status text(std::string_view key, bool required, std::string* value);
  /// An array of non-empty strings; left unchanged when absent and not required.
  Status texts(std::string_view key, bool required, std::vector<std::string>* value);
  /// A sub-table; *value stays null when absent.
  Status table(std::string_view key, const toml::table** value);
  /// Refuses every key that no read asked for.
  Status finish() const;
  /// kInvalidArgument naming the table, `key` (with its line when present) and `what`.
  Status error(std::string_view key, const std::string& what) const;

 private:
  const toml::node* take(std::string_view key);
  Status missing(std::string_view key, bool required) const;

  const toml::table& table_;
  std::string where_;
  std::set<std::string> read_;
};

/// Parses TOML `text` from `source`; a syntax error becomes kInvalidArgument naming
/// source:line:column.
Status parse_toml(std::string_view text, std::string_view source, toml::table* out);

}  // namespace fastgpu
