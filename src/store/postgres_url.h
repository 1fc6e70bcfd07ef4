#pragma once
// PostgreSQL connection URLs: recognising them, checking them before connecting, and showing
// them without their password.

#include <string>
#include <string_view>

#include "core/status.h"

namespace fastgpu {

/// True when `spec` starts with postgresql:// or postgres:// (the schemes libpq accepts).
bool is_postgres_url(std::string_view spec);

/// OK when `url` is a PostgreSQL URL libpq can parse; else kInvalidArgument saying what is
/// wrong (the scheme, a bad parameter, ...). The message never contains the password.
Status validate_postgres_url(const std::string& url);

/// `url` with the password of its user info (postgresql://user:PASSWORD@host) replaced by
/// "***", for logs and messages. Other text is returned unchanged.
std::string redact_postgres_url(std::string_view url);

}  // namespace fastgpu
