#include "store/store.h"

#include <utility>

namespace fastgpu {

Status Writer::write_one(WriteRequest request, std::vector<int64_t>* ids) {
  std::vector<WriteRequest> requests;
  requests.push_back(std::move(request));
  std::vector<WriteResult> results;
  if (Status s = write(std::move(requests), &results); !s.is_ok()) return s;
  if (ids != nullptr) *ids = std::move(results[0].ids);
  return std::move(results[0].status);
}

Status Writer::assign_task_uid(const std::string& owner, int64_t first, int64_t last,
                               int64_t* uid) {
  std::vector<int64_t> ids;
  Status s = write_one(AssignTaskUid{owner, first, last}, &ids);
  if (s.is_ok()) *uid = ids.at(0);
  return s;
}

Status Writer::create_tasks(std::vector<TaskSpec> specs, std::vector<TaskId>* ids) {
  return write_one(CreateTasks{std::move(specs)}, ids);
}

Status Writer::create_task(TaskSpec spec, TaskId* id) {
  std::vector<TaskSpec> specs;
  specs.push_back(std::move(spec));
  std::vector<TaskId> ids;
  Status s = create_tasks(std::move(specs), &ids);
  if (s.is_ok()) *id = ids[0];
  return s;
}

Status Writer::transition_task(TaskTransition transition) {
  return write_one(std::move(transition), nullptr);
}

Status Writer::create_vgpu(VgpuSpec spec, std::optional<Placement> placement, VgpuId* id) {
  std::vector<int64_t> ids;
  Status s = write_one(CreateVgpu{std::move(spec), placement}, &ids);
  if (s.is_ok()) *id = ids[0];
  return s;
}

Status Writer::place_vgpu(VgpuId id, Placement placement) {
  return write_one(PlaceVgpu{id, placement}, nullptr);
}

Status Writer::unplace_vgpu(VgpuId id) { return write_one(UnplaceVgpu{id}, nullptr); }

Status Writer::delete_vgpu(VgpuId id) {
  return write_one(DeleteVgpu{id, "", std::nullopt}, nullptr);
}

}  // namespace fastgpu
