#pragma once
// Which Unix identity each user's tasks run as: an account named for the user in the tokens
// file, else a uid of its own from a range, assigned once in the store and kept for good.

#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/status.h"
#include "runtime/confinement.h"
#include "store/store.h"

namespace fastgpu {

/// Maps users to the identities their tasks run as. Thread-safe.
class TaskIdentities {
 public:
  struct Options {
    int64_t first_uid = 1900000000;  // the range new users' uids come from (gid = uid)
    int64_t last_uid = 1900999999;
    std::map<std::string, RunAs> accounts;  // users given an account of the host
  };

  /// `writer` (not owned) keeps the assigned uids; it must outlive this.
  TaskIdentities(Writer* writer, Options options);

  /// The identity `user`'s tasks run as: its account, else its uid from the range (assigned on
  /// the first call for that user). kResourceExhausted when the range is used up.
  Status identity_of(const std::string& user, RunAs* out);

  /// Parses "FIRST-LAST" (positive uids, FIRST <= LAST, neither 0) into the range of *options.
  static Status parse_range(const std::string& text, Options* options);

 private:
  Writer* const writer_;
  const Options options_;
  std::mutex mu_;
  std::unordered_map<std::string, RunAs> known_;  // guarded by mu_
};

}  // namespace fastgpu
