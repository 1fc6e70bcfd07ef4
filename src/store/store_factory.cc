#include "store/store_factory.h"

#include <utility>

#include "store/postgres_store.h"
#include "store/postgres_url.h"
#include "store/sqlite_store.h"

namespace fastgpu {
namespace {

// Opens a concrete store type and hands it out as a Store.
template <typename Concrete>
Status open_as_store(const std::string& where, std::unique_ptr<Store>* out) {
  std::unique_ptr<Concrete> store;
  Status s = Concrete::open(where, &store);
  if (s.is_ok()) *out = std::move(store);
  return s;
}

}  // namespace

Status open_store(const std::string& spec, std::unique_ptr<Store>* out) {
  if (spec.empty()) {
    return Status::invalid_argument("the store must be a SQLite file path or a postgresql:// URL");
  }
  if (is_postgres_url(spec)) return open_as_store<PostgresStore>(spec, out);
  return open_as_store<SqliteStore>(spec, out);
}

std::string describe_store(const std::string& spec) {
  return is_postgres_url(spec) ? redact_postgres_url(spec) : spec;
}

}  // namespace fastgpu
