#include "cli/client_flags.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>

namespace fastgpu::cli {

bool ClientFlags::print_json(const nlohmann::json& value) const {
  if (json()) std::cout << value.dump(2) << "\n";
  return json();
}

void add_client_flags(CLI::App& command, ClientFlags* flags) {
  command.add_option("--url", flags->url, "fastgpud URL (default $FASTGPU_URL or 127.0.0.1:7070)");
  command.add_option("--token", flags->token, "bearer token (default $FASTGPU_TOKEN)");
  command.add_option("-o,--output", flags->output, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
}

void run_or_exit(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    std::cerr << "fastgpu: " << e.what() << "\n";
    std::exit(1);
  }
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
  return value.dump();
}

void add_listing(CLI::App& app, const std::string& name, const std::string& help,
                 const std::string& path, void (*print)(const nlohmann::json&)) {
  auto flags = std::make_shared<ClientFlags>();
  CLI::App* cmd = app.add_subcommand(name, help);
  add_client_flags(*cmd, flags.get());
  cmd->callback([flags, path, print] {
    run_or_exit([&] {
      const nlohmann::json answer = flags->client().request("GET", path);
      if (flags->print_json(answer)) return;
      print(answer);
    });
  });
}

}  // namespace fastgpu::cli
