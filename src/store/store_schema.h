#pragma once
// The store's schema, written once for every SQL back end: each migration's SQL with the column
// types the dialects spell differently left as {id}, {int} and {bytes}.

#include <vector>

#include "store/schema_migrations.h"

namespace fastgpu {

/// How a SQL dialect spells the types of the schema's columns.
struct SchemaDialect {
  const char* id;     // {id}: the primary key of tasks and vgpus (ids are assigned by the store)
  const char* int64;  // {int}: a 64-bit integer
  const char* bytes;  // {bytes}: a byte string
};

/// SQLite: AUTOINCREMENT keeps the highest id ever used in sqlite_sequence.
inline constexpr SchemaDialect kSqliteDialect{"INTEGER PRIMARY KEY AUTOINCREMENT", "INTEGER",
                                              "BLOB"};
/// PostgreSQL.
inline constexpr SchemaDialect kPostgresDialect{"BIGINT PRIMARY KEY", "BIGINT", "BYTEA"};

/// Every migration of the store's schema, in order, in `dialect`'s types. Version n has the same
/// tables, columns and indexes in every dialect.
std::vector<SchemaMigration> store_schema_migrations(const SchemaDialect& dialect);

}  // namespace fastgpu
