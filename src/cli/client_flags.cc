#include "cli/client_flags.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>

#include "cli/cli_options.h"

namespace fastgpu::cli {
namespace {

// The options --url, --token and -o on `command`, bound to `flags` when it is not null.
void add_options(CLI::App& command, ClientFlags* flags) {
  const auto add = [&command](const std::string& name, std::string* variable,
                              const std::string& help) {
    return variable ? command.add_option(name, *variable, help) : command.add_option(name, help);
  };
  add("--url", flags ? &flags->url : nullptr,
      "fastgpud URL (default $FASTGPU_URL or 127.0.0.1:7070)");
  add("--token", flags ? &flags->token : nullptr, "bearer token (default $FASTGPU_TOKEN)");
  add("-o,--output", flags ? &flags->output : nullptr, "table (default) or json")
      ->check(CLI::IsMember({"table", "json"}));
}

}  // namespace

std::string json_text(const nlohmann::json& value, int indent) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string ClientFlags::or_program(const std::string& own, const std::string& name) const {
  if (!own.empty() || program == nullptr) return own;
  const CLI::Option* option = program->get_option_no_throw(name);
  return option != nullptr && option->count() > 0 ? option->as<std::string>() : std::string();
}

Client ClientFlags::client() const {
  return Client(or_program(url, "--url"), or_program(token, "--token"));
}

bool ClientFlags::json() const { return or_program(output, "--output") == "json"; }

bool ClientFlags::print_json(const nlohmann::json& value) const {
  if (json()) std::cout << json_text(value, 2) << "\n";
  return json();
}

void add_client_flags(CLI::App& command, ClientFlags* flags) {
  add_options(command, flags);
  flags->program = &command;
  while (flags->program->get_parent() != nullptr) flags->program = flags->program->get_parent();
}

void add_root_client_flags(CLI::App& app) { add_options(app, nullptr); }

CLI::Validator positive_number(bool whole) {
  return CLI::Validator(
      [whole](const std::string& text) { return positive_number_problem(text, whole); },
      whole ? "INT>0" : "NUMBER>0");
}

void run_or_exit(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    std::cerr << "fastgpu: " << e.what() << "\n";
    std::exit(1);
  }
}

std::vector<nlohmann::json> for_each_id(const ClientFlags& flags, const std::vector<int64_t>& ids,
                                        const IdAction& action, IdPrinter print) {
  const Client client = flags.client();
  std::vector<nlohmann::json> answers;
  for (int64_t id : ids) {
    answers.push_back(action(client, id));
    if (!flags.json()) print(answers.back());
  }
  flags.print_json(answers.size() == 1 ? answers.front() : nlohmann::json(answers));
  return answers;
}

void print_table(const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size() && c < width.size(); ++c) {
      width[c] = std::max(width[c], row[c].size());
    }
  }
  const auto print_row = [&width](const std::vector<std::string>& row) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c] + std::string(width[c] - row[c].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::cout << line << "\n";
  };
  print_row(header);
  for (const auto& row : rows) print_row(row);
}

std::string cell(const nlohmann::json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_float()) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", value.get<double>());
    return text;
  }
  return json_text(value);
}

std::string format_bytes(int64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (std::abs(value) >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", value);
  std::string number = text;
  while (number.back() == '0') number.pop_back();  // "1.50" -> "1.5", "16.00" -> "16."
  if (number.back() == '.') number.pop_back();
  return number + " " + kUnits[unit];
}

std::string format_time(double epoch_seconds) {
  const auto millis = static_cast<int64_t>(std::llround(epoch_seconds * 1000));
  const int64_t ms = ((millis % 1000) + 1000) % 1000;  // floor division, also before 1970
  const auto seconds = static_cast<std::time_t>((millis - ms) / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &utc);
  char text[48];
  std::snprintf(text, sizeof text, "%s.%03dZ", date, static_cast<int>(ms));
  return text;
}

CLI::App* add_listing(CLI::App& app, const std::string& name, const std::string& help,
                      const std::string& path, void (*print)(const nlohmann::json&)) {
  auto flags = std::make_shared<ClientFlags>();
  CLI::App* cmd = app.add_subcommand(name, help);
  add_client_flags(*cmd, flags.get());
  cmd->callback([cmd, flags, path, print] {
    if (!cmd->get_subcommands().empty()) return;  // e.g. `nodes rm`: not a listing
    run_or_exit([&] {
      const nlohmann::json answer = flags->client().request("GET", path);
      if (flags->print_json(answer)) return;
      print(answer);
    });
  });
  return cmd;
}

}  // namespace fastgpu::cli
