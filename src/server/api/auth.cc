#include "server/api/auth.h"

#include <sstream>

#include "core/text_file.h"

namespace fastgpu {

Status TokenTable::parse(std::string_view text, const std::string& source, TokenTable* out) {
  TokenTable table;
  std::istringstream lines{std::string(text)};
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    std::istringstream fields(line);
    std::string token, user, option;
    if (!(fields >> token) || token.starts_with('#')) continue;
    const std::string where = source + ":" + std::to_string(number);
    if (!(fields >> user)) {
      return Status::invalid_argument(where + ": expected TOKEN USER [admin] [run-as=ACCOUNT]");
    }
    bool admin = false;
    while (fields >> option) {
      if (option == "admin") {
        admin = true;
      } else if (option.starts_with("run-as=") && option.size() > 7) {
        auto [it, added] = table.run_as_.emplace(user, option.substr(7));
        if (!added && it->second != option.substr(7)) {
          return Status::invalid_argument(where + ": user " + user + " has another run-as account");
        }
      } else {
        return Status::invalid_argument(where + ": \"" + option +
                                        "\" is neither \"admin\" nor \"run-as=ACCOUNT\"");
      }
    }
    if (token.size() < 16) return Status::invalid_argument(where + ": tokens need 16+ characters");
    if (!table.users_.emplace(token, Principal{user, admin}).second) {
      return Status::invalid_argument(where + ": token repeated");
    }
  }
  if (table.empty()) {
    return Status::invalid_argument(source +
                                    " has no token: with none every caller would be "
                                    "the admin; add TOKEN USER lines");
  }
  *out = std::move(table);
  return Status::ok();
}

Status TokenTable::load(const std::string& path, TokenTable* out) {
  std::string text;
  if (Status s = read_secret_file(path, &text); !s.is_ok()) return s;
  return parse(text, path, out);
}

std::optional<Principal> TokenTable::authenticate(std::string_view authorization) const {
  if (users_.empty()) return Principal{std::string(kLocalUser), true};
  constexpr std::string_view kScheme = "Bearer ";
  if (!authorization.starts_with(kScheme)) return std::nullopt;
  auto it = users_.find(std::string(authorization.substr(kScheme.size())));
  if (it == users_.end()) return std::nullopt;
  return it->second;
}

}  // namespace fastgpu
