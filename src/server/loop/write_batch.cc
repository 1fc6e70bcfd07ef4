#include "server/loop/write_batch.h"

namespace fastgpu {

void WriteBatch::add(WriteRequest request, Continuation then) {
  requests_.push_back(std::move(request));
  continuations_.push_back(std::move(then));
}

Status WriteBatch::commit(Writer* writer) {
  std::vector<WriteRequest> requests = std::move(requests_);
  std::vector<Continuation> continuations = std::move(continuations_);
  requests_.clear();
  continuations_.clear();
  std::vector<WriteResult> results;
  const Status status = writer->write(std::move(requests), &results);
  for (size_t i = 0; i < continuations.size(); ++i) {
    continuations[i](i < results.size() ? results[i] : WriteResult{status, {}});
  }
  return status;
}

}  // namespace fastgpu
