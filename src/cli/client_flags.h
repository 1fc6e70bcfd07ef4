#pragma once
// Flags shared by the `fastgpu` subcommands that talk to fastgpud, and their output.

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fastgpu/client.h"

namespace fastgpu::cli {

/// --url, --token (defaults: $FASTGPU_URL, $FASTGPU_TOKEN) and -o table|json. A flag left
/// empty on a subcommand takes the value given before the subcommand (add_root_client_flags).
struct ClientFlags {
  std::string url;
  std::string token;
  std::string output;                 // empty: not given (table)
  const CLI::App* program = nullptr;  // the command line's top App, set by add_client_flags

  /// A client for the flags' daemon.
  Client client() const;
  /// True with `-o json`, after the subcommand or before it.
  bool json() const;
  /// With `-o json`, prints `value` indented and returns true; else prints nothing.
  bool print_json(const nlohmann::json& value) const;

 private:
  // `own` when given, else the value of `program`'s option `name`, else empty.
  std::string or_program(const std::string& own, const std::string& name) const;
};

/// `value` as JSON text (compact when `indent` < 0), with bytes that are not UTF-8 (a task's
/// binary output) replaced rather than thrown on.
std::string json_text(const nlohmann::json& value, int indent = -1);

/// Registers the flags of `flags` on `command`, which must already be a subcommand of its
/// parent.
void add_client_flags(CLI::App& command, ClientFlags* flags);

/// Registers --url, --token and -o on the program itself, so that they may come before the
/// subcommand (`fastgpu --url X ps`); a subcommand's own flags win over them.
void add_root_client_flags(CLI::App& app);

/// A check for an option's value: a finite number above 0 (a whole one when `whole`), so that
/// `--tflops nan` or `--gpu -1` is refused, naming the flag, before any request.
CLI::Validator positive_number(bool whole = false);

/// Runs `action`; a fastgpu::Error is printed on stderr and exits with status 1.
void run_or_exit(const std::function<void()>& action);

/// Adds the subcommand `name` to `parent`: GET `path` from fastgpud, printed by `print` (or as
/// JSON with -o json). Returns it; when one of its own subcommands runs, it lists nothing.
CLI::App* add_listing(CLI::App& parent, const std::string& name, const std::string& help,
                      const std::string& path, void (*print)(const nlohmann::json&));

/// Asks fastgpud about one id (a task or a vGPU) and returns its answer.
using IdAction = std::function<nlohmann::json(const Client&, int64_t)>;
/// Prints one answer of an IdAction for people.
using IdPrinter = void (*)(const nlohmann::json&);

/// Runs `action` on each of `ids` in turn. Each answer is printed by `print` as it comes or,
/// with -o json, all of them at the end as one document: an object for one id, an array for
/// several. Returns the answers. A failure stops the loop (the Error propagates).
std::vector<nlohmann::json> for_each_id(const ClientFlags& flags, const std::vector<int64_t>& ids,
                                        const IdAction& action, IdPrinter print);

/// Prints `rows` under `header` with aligned columns.
void print_table(const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows);

/// A JSON value as a table cell: strings bare, null as "-", numbers compact.
std::string cell(const nlohmann::json& value);

/// Bytes for people: "16 GiB", "1.5 GiB", "512 MiB", "100 B".
std::string format_bytes(int64_t bytes);

/// Seconds since the epoch as ISO-8601 UTC with milliseconds: "2026-11-25T04:50:01.123Z".
std::string format_time(double epoch_seconds);

}  // namespace fastgpu::cli
