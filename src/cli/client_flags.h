#pragma once
// Flags shared by the `fastgpu` subcommands that talk to fastgpud, and their output.

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fastgpu/client.h"

namespace fastgpu::cli {

/// --url, --token (defaults: $FASTGPU_URL, $FASTGPU_TOKEN) and -o table|json.
struct ClientFlags {
  std::string url;
  std::string token;
  std::string output = "table";

  /// A client for the flags' daemon.
  Client client() const { return Client(url, token); }
  bool json() const { return output == "json"; }
  /// With `-o json`, prints `value` indented and returns true; else prints nothing.
  bool print_json(const nlohmann::json& value) const;
};

/// Registers the flags of `flags` on `command`.
void add_client_flags(CLI::App& command, ClientFlags* flags);

/// Runs `action`; a fastgpu::Error is printed on stderr and exits with status 1.
void run_or_exit(const std::function<void()>& action);

/// Adds the subcommand `name` to `parent`: GET `path` from fastgpud, printed by `print` (or as
/// JSON with -o json).
void add_listing(CLI::App& parent, const std::string& name, const std::string& help,
                 const std::string& path, void (*print)(const nlohmann::json&));

/// Prints `rows` under `header` with aligned columns.
void print_table(const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows);

/// A JSON value as a table cell: strings bare, null as "-", numbers compact.
std::string cell(const nlohmann::json& value);

}  // namespace fastgpu::cli
