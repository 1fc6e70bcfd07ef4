#pragma once
// Choosing the Store back end from one string, as fastgpud's --store flag gives it.

#include <memory>
#include <string>

#include "core/status.h"
#include "store/store.h"

namespace fastgpu {

/// Opens the store `spec` names: a postgresql:// or postgres:// URL opens a PostgresStore on
/// that database; anything else is the path of a SQLite file, opened (created when missing) as
/// a SqliteStore. Either way the schema is migrated to the latest version. kInvalidArgument for
/// an empty spec or a malformed URL; otherwise the back end's own errors.
Status open_store(const std::string& spec, std::unique_ptr<Store>* out);

/// `spec` as it may be shown in logs: a URL's password is replaced by "***".
std::string describe_store(const std::string& spec);

}  // namespace fastgpu
