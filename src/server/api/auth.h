#pragma once
// Bearer tokens: a token is a user; an admin token sees every user's work.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/secret.h"
#include "core/status.h"

namespace fastgpu {

/// Who is asking.
struct Principal {
  std::string user;
  bool admin = false;

  /// True when this principal may see and change work owned by `owner`.
  bool may_access(std::string_view owner) const { return admin || owner == user; }
};

/// The user of every request when no token is configured (loopback only).
inline constexpr std::string_view kLocalUser = "local";

/// The known tokens. Immutable after load; thread-safe to read.
class TokenTable {
 public:
  /// Reads a tokens file: one "TOKEN USER [admin] [run-as=ACCOUNT]" per line; blank lines and
  /// lines starting with '#' are skipped. Tokens must be at least 16 characters. ACCOUNT (a
  /// user name or uid of the host) is what USER's tasks run as. Errors name the line. A file
  /// others may read (read_secret_file) or one with no token at all is refused.
  static Status load(const std::string& path, TokenTable* out);

  /// The same format from `text` (e.g. the FASTGPU_TOKENS environment variable); errors name
  /// `source` and the line; text with no token is refused.
  static Status parse(std::string_view text, const std::string& source, TokenTable* out);

  bool empty() const { return users_.empty(); }
  /// The run-as account named for each user that has one.
  const std::map<std::string, std::string>& run_as() const { return run_as_; }

  /// The principal of an Authorization header value ("Bearer TOKEN"); nullopt when the header
  /// is missing, malformed or the token unknown. With no tokens configured, every request is the
  /// local admin.
  std::optional<Principal> authenticate(std::string_view authorization) const;

 private:
  std::unordered_map<std::string, Principal> users_;
  std::map<std::string, std::string> run_as_;
};

}  // namespace fastgpu
