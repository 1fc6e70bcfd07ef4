#include "server/api/api_server.h"

#include <httplib.h>

#include <charconv>
#include <chrono>
#include <fstream>
#include <functional>

#include "core/wall_clock.h"
#include "server/api/agent_request.h"
#include "server/api/metrics_page.h"
#include "server/api/openapi.h"
#include "server/api/port_owner.h"
#include "server/api/record_json.h"
#include "server/api/task_request.h"
#include "server/api/usage_report.h"
#include "server/api/vgpu_request.h"
#include "server/loop/accounts_reload.h"

namespace fastgpu {
namespace {

using httplib::Request;
using httplib::Response;
using Handler = std::function<void(const ApiContext&, const Principal&, const Request&, Response&)>;

constexpr const char* kJson = "application/json";

void send_json(Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), kJson);
}

void send_error(Response& res, const ApiError& error) {
  res.status = error.http_status();
  res.set_content(error.to_json(), kJson);
}

// The id in the path's first capture; nullopt when it is not a positive 64-bit integer.
std::optional<int64_t> path_id(const Request& req) {
  const std::string text = req.matches[1];
  int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0) return std::nullopt;
  return id;
}

// The "timeout" query parameter in milliseconds (default 30 s, at most kMaxWaitSeconds).
ApiError wait_timeout(const Request& req, std::chrono::milliseconds* out) {
  *out = std::chrono::seconds(30);
  if (!req.has_param("timeout")) return {};
  const std::string text = req.get_param_value("timeout");
  double seconds = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc() || end != text.data() + text.size() || !(seconds >= 0) ||
      seconds > kMaxWaitSeconds) {
    return ApiError::invalid_argument("query \"timeout\": must be seconds within 0..300");
  }
  *out = std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
  return {};
}

// The answer to a lookup of `noun` `id` whose store read gave `read`: another user's record is
// as missing as one that does not exist.
ApiError owned_or_missing(const Status& read, const char* noun, int64_t id, const Principal& who,
                          const std::string& owner) {
  if (read.is_ok() && who.may_access(owner)) return ApiError();
  if (!read.is_ok() && read.code() != Status::Code::kNotFound) return ApiError::from_status(read);
  return ApiError::not_found(std::string(noun) + " " + std::to_string(id) + " does not exist");
}

ApiError load_task(const ApiContext& ctx, const Principal& who, int64_t id, TaskRecord* task) {
  const Status read = ctx.store->get_task(id, task);
  return owned_or_missing(read, "task", id, who, task->spec.owner);
}

ApiError load_vgpu(const ApiContext& ctx, const Principal& who, int64_t id, VgpuRecord* vgpu) {
  const Status read = ctx.store->get_vgpu(id, vgpu);
  return owned_or_missing(read, "vGPU", id, who, vgpu->spec.owner);
}

// Runs `handler` with the id of the path; 404 when it is malformed.
template <typename WithId>
void with_id(const Request& req, Response& res, WithId handler) {
  const std::optional<int64_t> id = path_id(req);
  if (!id)
    return send_error(res, ApiError::not_found("no object with id " + std::string(req.matches[1])));
  handler(*id);
}

// ---- Tasks ---------------------------------------------------------------------------------

// Task records as the API shows them: each with its project; with `reasons` (a round trip to
// the scheduling loop), a waiting one on the leader also says why it waits
// (`pending_reason`, and `pending_reason_text` for people).
nlohmann::json tasks_to_json(const ApiContext& ctx, std::span<const TaskRecord> records,
                             bool reasons_asked = true) {
  std::vector<TaskId> pending;
  for (const TaskRecord& t : records) {
    if (t.state == TaskState::kPending) pending.push_back(t.id);
  }
  std::vector<PendingReason> reasons;
  const bool leading = ctx.leadership == nullptr || ctx.leadership->leading();
  if (!reasons_asked || pending.empty() || !leading ||
      !ctx.scheduler->pending_reasons(pending, &reasons).is_ok()) {
    reasons.clear();
  }
  nlohmann::json tasks = nlohmann::json::array();
  size_t next_reason = 0;
  for (const TaskRecord& t : records) {
    nlohmann::json task = task_to_json(t, *ctx.scheduler->pool());
    task["project"] = ctx.scheduler->project_of(t.spec.owner);
    if (t.state == TaskState::kPending && next_reason < reasons.size()) {
      const PendingReason reason = reasons[next_reason++];
      task["pending_reason"] = pending_reason_code(reason);
      task["pending_reason_text"] = pending_reason_sentence(reason);
    }
    tasks.push_back(std::move(task));
  }
  return tasks;
}

// A vGPU as the API shows it: with its project and, while it waits for a GPU, why.
nlohmann::json vgpu_json(const ApiContext& ctx, const VgpuRecord& record) {
  nlohmann::json vgpu = vgpu_to_json(record, *ctx.scheduler->pool());
  vgpu["project"] = ctx.scheduler->project_of(record.spec.owner);
  if (record.state != VgpuState::kPending) return vgpu;
  if (const PendingReason reason = ctx.scheduler->vgpu_pending_reason(record.id);
      reason != PendingReason::kNone) {
    vgpu["pending_reason"] = pending_reason_code(reason);
    vgpu["pending_reason_text"] = pending_reason_sentence(reason);
  }
  return vgpu;
}

nlohmann::json task_json(const ApiContext& ctx, const TaskRecord& record) {
  return tasks_to_json(ctx, std::span(&record, 1)).at(0);
}

// True when `spec` may get less than whole GPUs: it runs in a vGPU, asks a share of one GPU, or
// asks TFLOPS (a share once resolved on a GPU model).
bool may_be_fractional(const TaskSpec& spec) {
  return spec.vgpu != kNoVgpu || spec.milli_tflops > 0 ||
         (spec.shape.num_gpu > 0 && spec.shape.gpu_milli < kMilliPerGpu);
}

void post_task(const ApiContext& ctx, const Principal& who, const Request& req, Response& res) {
  TaskSpec spec;
  if (ApiError e = parse_task_request(req.body, who.user, &spec); !e.is_ok()) {
    return send_error(res, e);
  }
  if (!spec.enforce && !who.admin && may_be_fractional(spec)) {
    return send_error(
        res, ApiError::forbidden("field \"enforce\": only an admin may run a fractional slice "
                                 "without the vGPU enforcement library"));
  }
  if (spec.vgpu != kNoVgpu) {
    VgpuRecord vgpu;
    if (ApiError e = load_vgpu(ctx, who, spec.vgpu, &vgpu); !e.is_ok()) return send_error(res, e);
  }
  TaskRecord task;
  if (ApiError e = ApiError::from_status(ctx.scheduler->submit(std::move(spec), &task));
      !e.is_ok()) {
    return send_error(res, e);
  }
  // Just submitted: no pass has seen it, and a submission must not wait for the loop.
  send_json(res, 201, tasks_to_json(ctx, std::span(&task, 1), /*reasons_asked=*/false).at(0));
}

ApiError task_filter(const Request& req, const Principal& who, TaskFilter* filter) {
  if (!who.admin) filter->owner = who.user;
  if (req.has_param("state")) {
    filter->state = parse_task_state(req.get_param_value("state"));
    if (!filter->state) return ApiError::invalid_argument("query \"state\": unknown task state");
  }
  const auto integer = [&](const char* name, int64_t min, int64_t max, int64_t* out) {
    if (!req.has_param(name)) return ApiError();
    const std::string text = req.get_param_value(name);
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
    if (ec != std::errc() || end != text.data() + text.size() || *out < min || *out > max) {
      return ApiError::invalid_argument("query \"" + std::string(name) +
                                        "\": must be an integer within " + std::to_string(min) +
                                        ".." + std::to_string(max));
    }
    return ApiError();
  };
  int64_t vgpu = 0, limit = filter->limit, cursor = 0;
  for (ApiError e :
       {integer("vgpu", 1, INT64_MAX, &vgpu), integer("limit", 1, kMaxListLimit, &limit),
        integer("cursor", 0, INT64_MAX, &cursor)}) {
    if (!e.is_ok()) return e;
  }
  if (vgpu != 0) filter->vgpu = vgpu;
  filter->limit = static_cast<int32_t>(limit);
  filter->cursor = cursor;
  return {};
}

void list_tasks(const ApiContext& ctx, const Principal& who, const Request& req, Response& res) {
  TaskFilter filter;
  if (ApiError e = task_filter(req, who, &filter); !e.is_ok()) return send_error(res, e);
  TaskPage page;
  if (Status s = ctx.store->list_tasks(filter, &page); !s.is_ok()) {
    return send_error(res, ApiError::from_status(s));
  }
  send_json(res, 200,
            {{"tasks", tasks_to_json(ctx, page.tasks)}, {"next_cursor", page.next_cursor}});
}

// Answers with the object named by the path: checks that `who` may see it, runs `act` (when
// given; its error is the answer), then reads the object again and sends it.
template <typename Record, typename Load, typename Render>
void answer_after(const ApiContext& ctx, const Principal& who, const Request& req, Response& res,
                  Load load, Render render, const std::function<Status(int64_t)>& act) {
  with_id(req, res, [&](int64_t id) {
    Record record;
    if (ApiError e = load(ctx, who, id, &record); !e.is_ok()) return send_error(res, e);
    if (act) {
      if (ApiError e = ApiError::from_status(act(id)); !e.is_ok()) return send_error(res, e);
      if (ApiError e = load(ctx, who, id, &record); !e.is_ok()) return send_error(res, e);
    }
    send_json(res, 200, render(ctx, record));
  });
}

void answer_task(const ApiContext& ctx, const Principal& who, const Request& req, Response& res,
                 const std::function<Status(int64_t)>& act) {
  answer_after<TaskRecord>(ctx, who, req, res, load_task, task_json, act);
}

void answer_vgpu(const ApiContext& ctx, const Principal& who, const Request& req, Response& res,
                 const std::function<Status(int64_t)>& act) {
  answer_after<VgpuRecord>(ctx, who, req, res, load_vgpu, vgpu_json, act);
}

void get_task(const ApiContext& ctx, const Principal& who, const Request& req, Response& res) {
  answer_task(ctx, who, req, res, nullptr);
}

void cancel_task(const ApiContext& ctx, const Principal& who, const Request& req, Response& res) {
  answer_task(ctx, who, req, res, [&](int64_t id) { return ctx.scheduler->cancel(id); });
}

// Lets one more long-poll of `who` in: *pass holds its place; an error (429) when it may not.
ApiError enter_long_poll(const ApiContext& ctx, const Principal& who,
                         std::optional<LongPollGate::Pass>* pass) {
  return ctx.long_polls == nullptr ? ApiError() : ctx.long_polls->enter(who.user, pass);
}

void wait_task(const ApiContext& ctx, const Principal& who, const Request& req, Response& res) {
  std::chrono::milliseconds timeout;
  if (ApiError e = wait_timeout(req, &timeout); !e.is_ok()) return send_error(res, e);
  std::optional<LongPollGate::Pass> pass;
  if (ApiError e = enter_long_poll(ctx, who, &pass); !e.is_ok()) return send_error(res, e);
  answer_task(ctx, who, req, res, [&](int64_t id) {
    ctx.scheduler->completions().wait_task(id, timeout);
    return Status();
  });
}

// Bytes of `path` from `offset`, at most kMaxBodyBytes.
std::string read_from(const std::string& path, int64_t offset) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  in.seekg(offset);
  std::string bytes(kMaxBodyBytes, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<size_t>(std::max<std::streamsize>(0, in.gcount())));
  return bytes;
}

void task_logs(const ApiContext& ctx, const Principal& who, const Request& req, Response& res) {
  with_id(req, res, [&](int64_t id) {
    TaskRecord task;
    std::chrono::milliseconds timeout;
    if (ApiError e = wait_timeout(req, &timeout); !e.is_ok()) return send_error(res, e);
    if (ApiError e = load_task(ctx, who, id, &task); !e.is_ok()) return send_error(res, e);
    const std::string stream = req.has_param("stream") ? req.get_param_value("stream") : "stdout";
    if (stream != "stdout" && stream != "stderr") {
      return send_error(res, ApiError::invalid_argument("query \"stream\": stdout or stderr"));
    }
    int64_t offset = 0;
    if (req.has_param("offset")) {
      const std::string text = req.get_param_value("offset");
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), offset);
      if (ec != std::errc() || end != text.data() + text.size() || offset < 0) {
        return send_error(res, ApiError::invalid_argument("query \"offset\": a byte offset >= 0"));
      }
    }
    const bool follow = req.has_param("follow") && req.get_param_value("follow") == "true";
    std::optional<LongPollGate::Pass> pass;
    if (follow) {
      if (ApiError e = enter_long_poll(ctx, who, &pass); !e.is_ok()) return send_error(res, e);
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string bytes;
    for (;;) {
      const std::string& path = stream == "stdout" ? task.stdout_path : task.stderr_path;
      bytes = path.empty() ? std::string() : read_from(path, offset);
      if (!follow || !bytes.empty() || is_terminal(task.state) ||
          std::chrono::steady_clock::now() >= deadline) {
        break;
      }
      ctx.scheduler->completions().wait_task(id, std::chrono::milliseconds(100));
      if (ApiError e = load_task(ctx, who, id, &task); !e.is_ok()) return send_error(res, e);
    }
    res.set_header("X-FastGPU-Next-Offset",
                   std::to_string(offset + static_cast<int64_t>(bytes.size())));
    res.status = 200;
    res.set_content(bytes, "text/plain");
  });
}

// ---- vGPUs ---------------------------------------------------------------------------------

void post_vgpu(const ApiContext& ctx, const Principal& who, const Request& req, Response& res) {
  VgpuSpec spec;
  if (ApiError e = parse_vgpu_request(req.body, who.user, &spec); !e.is_ok()) {
    return send_error(res, e);
  }
  VgpuId id = 0;
  if (ApiError e = ApiError::from_status(ctx.scheduler->create_vgpu(std::move(spec), &id));
      !e.is_ok()) {
    return send_error(res, e);
  }
  VgpuRecord vgpu;
  if (ApiError e = load_vgpu(ctx, who, id, &vgpu); !e.is_ok()) return send_error(res, e);
  send_json(res, 201, vgpu_json(ctx, vgpu));
}

void list_vgpus(const ApiContext& ctx, const Principal& who, const Request&, Response& res) {
  VgpuFilter filter;
  if (!who.admin) filter.owner = who.user;
  std::vector<VgpuRecord> vgpus;
  if (Status s = ctx.store->list_vgpus(filter, &vgpus); !s.is_ok()) {
    return send_error(res, ApiError::from_status(s));
  }
  nlohmann::json out = nlohmann::json::array();
  for (const VgpuRecord& v : vgpus) out.push_back(vgpu_json(ctx, v));
  send_json(res, 200, {{"vgpus", out}});
}

void get_vgpu(const ApiContext& ctx, const Principal& who, const Request& req, Response& res) {
  answer_vgpu(ctx, who, req, res, nullptr);
}

void delete_vgpu(const ApiContext& ctx, const Principal& who, const Request& req, Response& res) {
  const bool force = req.has_param("force") && req.get_param_value("force") == "true";
  answer_vgpu(ctx, who, req, res, [&](int64_t id) {
    return ctx.scheduler->delete_vgpu(id, force, "deleted by " + who.user);
  });
}

void renew_vgpu(const ApiContext& ctx, const Principal& who, const Request& req, Response& res) {
  with_id(req, res, [&](int64_t id) {
    VgpuRecord vgpu;
    if (ApiError e = load_vgpu(ctx, who, id, &vgpu); !e.is_ok()) return send_error(res, e);
    int64_t lease_end_us = 0;
    if (ApiError e = ApiError::from_status(ctx.scheduler->renew_vgpu(id, &lease_end_us));
        !e.is_ok()) {
      return send_error(res, e);
    }
    const nlohmann::json expires =
        lease_end_us == 0 ? nlohmann::json(nullptr) : nlohmann::json(lease_end_us / 1e6);
    send_json(res, 200, {{"id", id}, {"lease_expires_at", expires}});
  });
}

void release_vgpu(const ApiContext& ctx, const Principal& who, const Request& req, Response& res) {
  answer_vgpu(ctx, who, req, res, [&](int64_t id) { return ctx.scheduler->release_vgpu(id); });
}

void wait_vgpu(const ApiContext& ctx, const Principal& who, const Request& req, Response& res) {
  with_id(req, res, [&](int64_t id) {
    VgpuRecord vgpu;
    std::chrono::milliseconds timeout;
    if (ApiError e = wait_timeout(req, &timeout); !e.is_ok()) return send_error(res, e);
    if (ApiError e = load_vgpu(ctx, who, id, &vgpu); !e.is_ok()) return send_error(res, e);
    std::optional<LongPollGate::Pass> pass;
    if (ApiError e = enter_long_poll(ctx, who, &pass); !e.is_ok()) return send_error(res, e);
    const bool done = ctx.scheduler->completions().wait_vgpu(id, timeout);
    TaskFilter filter;
    filter.vgpu = id;
    filter.limit = kMaxListLimit;
    nlohmann::json tasks = nlohmann::json::array();
    do {  // every task of the vGPU, page by page (a page ends at kMaxListBytes)
      TaskPage page;
      if (Status s = ctx.store->list_tasks(filter, &page); !s.is_ok()) {
        return send_error(res, ApiError::from_status(s));
      }
      for (nlohmann::json& task : tasks_to_json(ctx, page.tasks)) tasks.push_back(std::move(task));
      filter.cursor = page.next_cursor;
    } while (filter.cursor != 0);
    send_json(res, 200, {{"done", done}, {"tasks", tasks}});
  });
}

// ---- GPUs, health, metrics -------------------------------------------------------------------

void list_gpus(const ApiContext& ctx, const Principal&, const Request&, Response& res) {
  std::vector<GpuUsage> usage;  // left empty when sampling fails: the allocation still shows
  (void)ctx.inventory->sample(&usage);
  send_json(res, 200,
            gpus_to_json(*ctx.scheduler->pool(), ctx.scheduler->snapshot(), usage,
                         ctx.inventory->source()));
}

void list_nodes(const ApiContext& ctx, const Principal&, const Request&, Response& res) {
  nlohmann::json nodes = nodes_to_json(*ctx.scheduler->pool(), ctx.scheduler->snapshot());
  if (ctx.autoscale != nullptr)
    mark_autoscaled(ctx.autoscale->nodes(), ctx.autoscale->catalog(), &nodes);
  send_json(res, 200, nodes);
}

void remove_node(const ApiContext& ctx, const Principal& who, const Request& req, Response& res) {
  if (!who.admin) return send_error(res, ApiError::forbidden("only an admin may remove a node"));
  if (ApiError e = ApiError::from_status(ctx.scheduler->remove_agent(req.matches[1], who.user));
      !e.is_ok()) {
    return send_error(res, e);
  }
  list_nodes(ctx, who, req, res);
}

// ---- Usage ---------------------------------------------------------------------------------

// The query of GET /v1/usage: `since` (seconds since the epoch; default 0: all of it), and
// `user` (an admin's choice; a user sees only their own).
ApiError usage_query(const Request& req, const Principal& who, UsageQuery* query) {
  if (req.has_param("since")) {
    const std::string text = req.get_param_value("since");
    double seconds = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (ec != std::errc() || end != text.data() + text.size() || !(seconds >= 0) ||
        seconds > 1e11) {
      return ApiError::invalid_argument(
          "query \"since\": must be seconds since the Unix epoch, 0 to 1e11");
    }
    query->since_us = static_cast<int64_t>(seconds * 1e6);
  }
  if (req.has_param("user")) {
    const std::string user = req.get_param_value("user");
    if (!who.admin && user != who.user) {
      return ApiError::forbidden("query \"user\": only an admin may see another user's usage");
    }
    query->owner = user;
  }
  if (!who.admin) query->owner = who.user;
  return {};
}

void get_usage(const ApiContext& ctx, const Principal& who, const Request& req, Response& res) {
  UsageQuery query;
  if (ApiError e = usage_query(req, who, &query); !e.is_ok()) return send_error(res, e);
  const int64_t until_us = wall_clock_us();
  std::vector<UsageTotal> totals, live;
  if (Status s = ctx.store->usage_totals(query, &totals); !s.is_ok()) {
    return send_error(res, ApiError::from_status(s));
  }
  if (ApiError e = ApiError::from_status(ctx.scheduler->live_usage(query, &live)); !e.is_ok()) {
    return send_error(res, e);
  }
  totals.insert(totals.end(), live.begin(), live.end());
  const UsageReportScope scope{query.since_us, until_us, who.admin};
  send_json(res, 200, usage_report(totals, *ctx.scheduler->accounts(), scope));
}

void reload_accounts(const ApiContext& ctx, const Principal& who, const Request&, Response& res) {
  if (!who.admin) {
    return send_error(res, ApiError::forbidden("only an admin may reload the accounts file"));
  }
  std::string summary;
  if (Status s = reload_accounts_file(ctx.accounts_file, ctx.scheduler, &summary); !s.is_ok()) {
    return send_error(res, ApiError::from_status(s));  // 400: a bad file; 409: none
  }
  send_json(res, 200, {{"reloaded", summary}});
}

// ---- The live autoscaler ---------------------------------------------------------------------

// Runs `handler` with the autoscaler; 404 when it is off.
template <typename WithAutoscale>
void with_autoscale(const ApiContext& ctx, Response& res, WithAutoscale handler) {
  if (ctx.autoscale == nullptr) {
    return send_error(
        res, ApiError::not_found("the autoscaler is off: start fastgpud with --autoscale CATALOG"));
  }
  handler(*ctx.autoscale);
}

void scale_log(const ApiContext& ctx, const Principal&, const Request&, Response& res) {
  with_autoscale(ctx, res, [&](const AutoscaleLoop& autoscale) {
    send_json(res, 200, scale_log_to_json(autoscale.log().events()));
  });
}

void scale_cost(const ApiContext& ctx, const Principal&, const Request&, Response& res) {
  with_autoscale(ctx, res, [&](const AutoscaleLoop& autoscale) {
    send_json(res, 200, autoscale.cost_json());
  });
}

// ---- Agents --------------------------------------------------------------------------------

void register_agent(const ApiContext& ctx, const Request& req, Response& res) {
  RegisterRequest request;
  if (ApiError e = parse_register_request(req.body, &request); !e.is_ok()) {
    return send_error(res, e);
  }
  request.credential = req.get_header_value(kAgentCredentialHeader);
  if (request.credential.size() < kMinAgentCredentialBytes) {
    return send_error(res,
                      ApiError::invalid_argument("header " + std::string(kAgentCredentialHeader) +
                                                 ": the agent's "
                                                 "own secret of " +
                                                 std::to_string(kMinAgentCredentialBytes) +
                                                 "+ characters is required"));
  }
  RegisterReply reply;
  if (ApiError e = ApiError::from_status(ctx.scheduler->register_agent(std::move(request), &reply));
      !e.is_ok()) {
    return send_error(res, e);
  }
  send_json(res, 200, to_json(reply));
}

void sync_agent(const ApiContext& ctx, const Request& req, Response& res) {
  SyncRequest request;
  if (ApiError e = parse_sync_request(req.body, &request); !e.is_ok()) return send_error(res, e);
  request.credential = req.get_header_value(kAgentCredentialHeader);
  SyncReply reply;
  if (ApiError e = ApiError::from_status(ctx.scheduler->sync_agent(request, &reply)); !e.is_ok()) {
    return send_error(res, e);
  }
  send_json(res, 200, to_json(reply));
}

// The headers of `req` the RequestFence looks at.
FencedRequest fenced_request(const Request& req) {
  const std::string length = req.get_header_value("Content-Length");
  return {req.get_header_value("Host"), req.get_header_value("Origin"),
          req.get_header_value("Content-Type"),
          (!length.empty() && length != "0") || req.has_header("Transfer-Encoding")};
}

}  // namespace

// cpp-httplib's routing, serving requests the front door has read whole.
class ApiServer::Router final : public httplib::Server {
 public:
  /// Answers the request at the start of `stream`; false when the connection must close.
  bool answer(httplib::Stream& stream) {
    bool client_closes = false;
    return process_request(stream, false, client_closes, nullptr) && !client_closes;
  }
};

ApiServer::ApiServer(ApiContext context, const FrontDoorLimits& limits, const Tls& tls)
    : router_(std::make_unique<Router>()),
      context_(context),
      tls_(tls),
      front_door_(limits, [this](httplib::Stream& stream) { return router_->answer(stream); }) {
  router_->set_payload_max_length(kMaxBodyBytes);
  router_->set_keep_alive_max_count(10'000);  // said in Keep-Alive; the front door sets no max
  router_->set_error_handler([](const Request& req, Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 413) {
      return send_error(res, ApiError::payload_too_large("request body exceeds 1 MiB"));
    }
    if (res.status == 404)
      return send_error(res, ApiError::not_found("no route " + req.method + " " + req.path));
    send_error(res, ApiError(res.status, "http_error", "HTTP error " + std::to_string(res.status)));
  });
  add_routes();
}

ApiServer::~ApiServer() = default;

void ApiServer::add_routes() {
  // Every route checks the fence first, once the body is read: refused before, an unread body
  // would be taken for the connection's next request.
  const auto fenced = [this](httplib::Server::Handler handler) {
    return [this, handler = std::move(handler)](const Request& req, Response& res) {
      if (ApiError e = fence_->check(fenced_request(req)); !e.is_ok()) return send_error(res, e);
      handler(req, res);
    };
  };
  const auto route = [this, fenced](Handler handler) {
    return fenced([this, handler = std::move(handler)](const Request& req, Response& res) {
      const std::optional<Principal> who =
          context_.tokens->authenticate(req.get_header_value("Authorization"));
      if (!who) {
        return send_error(res, ApiError::unauthenticated("missing or unknown bearer token"));
      }
      handler(context_, *who, req, res);
    });
  };
  using AgentHandler = void (*)(const ApiContext&, const Request&, Response&);
  const auto agent_route = [this, fenced](AgentHandler handler) {
    return fenced([this, handler](const Request& req, Response& res) {
      const std::string& expected = context_.join_token;
      if (expected.empty() && (!context_.loopback || !context_.tokens->empty())) {
        return send_error(res, ApiError::unauthenticated(
                                   "agents are refused: fastgpud has user tokens or listens off "
                                   "loopback, and no --join-token-file"));
      }
      if (!expected.empty() && !same_secret(req.get_header_value(kJoinTokenHeader), expected)) {
        return send_error(res, ApiError::unauthenticated("missing or wrong join token (header " +
                                                         std::string(kJoinTokenHeader) + ")"));
      }
      if (context_.leadership != nullptr && !context_.leadership->leading()) {
        return send_error(res, ApiError::not_leader("this fastgpud replica is a follower: "
                                                    "agents join the leader"));
      }
      handler(context_, req, res);
    });
  };
  router_->Post("/v1/agents/register", agent_route(register_agent));
  router_->Post("/v1/agents/sync", agent_route(sync_agent));
  // Routes only the leader can answer: changes, waits (the leader's completion board) and the
  // live pool (the leader's ledger).
  const auto leader_route = [this, route](Handler handler) {
    return route([handler = std::move(handler)](const ApiContext& ctx, const Principal& who,
                                                const Request& req, Response& res) {
      if (ctx.leadership != nullptr && !ctx.leadership->leading()) {
        return send_error(res, ApiError::not_leader("this fastgpud replica is a follower: it "
                                                    "serves reads; send changes and waits to "
                                                    "the leader"));
      }
      handler(ctx, who, req, res);
    });
  };
  router_->Get("/healthz", fenced([this](const Request&, Response& res) {
                 const bool leading =
                     context_.leadership == nullptr || context_.leadership->leading();
                 nlohmann::json health = {{"status", "ok"},
                                          {"role", leading ? "leader" : "follower"},
                                          {"confinement", context_.confinement}};
                 const std::string paused = context_.scheduler->placements_paused();
                 if (!paused.empty()) health["placements_paused"] = paused;
                 send_json(res, 200, health);
               }));
  router_->Get("/openapi.json", fenced([](const Request&, Response& res) {
                 res.set_content(openapi_document(), kJson);
               }));
  router_->Get("/metrics", fenced([this](const Request&, Response& res) {
                 res.set_content(render_metrics(*context_.scheduler, *context_.batch_writer),
                                 "text/plain; version=0.0.4");
               }));
  router_->Get("/v1/gpus", leader_route(list_gpus));
  router_->Get("/v1/nodes", leader_route(list_nodes));
  router_->Delete(R"(/v1/nodes/([^/]+))", leader_route(remove_node));
  router_->Get("/v1/usage", leader_route(get_usage));
  router_->Post("/v1/accounts/reload", leader_route(reload_accounts));
  router_->Get("/v1/scale/log", leader_route(scale_log));
  router_->Get("/v1/scale/cost", leader_route(scale_cost));
  router_->Post("/v1/vgpus", leader_route(post_vgpu));
  router_->Get("/v1/vgpus", route(list_vgpus));
  router_->Get(R"(/v1/vgpus/([^/]+))", route(get_vgpu));
  router_->Delete(R"(/v1/vgpus/([^/]+))", leader_route(delete_vgpu));
  router_->Get(R"(/v1/vgpus/([^/]+)/wait)", leader_route(wait_vgpu));
  router_->Post(R"(/v1/vgpus/([^/]+)/renew)", leader_route(renew_vgpu));
  router_->Post(R"(/v1/vgpus/([^/]+)/release)", leader_route(release_vgpu));
  router_->Post("/v1/tasks", leader_route(post_task));
  router_->Get("/v1/tasks", route(list_tasks));
  router_->Get(R"(/v1/tasks/([^/]+))", route(get_task));
  router_->Post(R"(/v1/tasks/([^/]+)/cancel)", leader_route(cancel_task));
  router_->Get(R"(/v1/tasks/([^/]+)/wait)", leader_route(wait_task));
  router_->Get(R"(/v1/tasks/([^/]+)/logs)", route(task_logs));
}

Status ApiServer::bind(const std::string& host, int port) {
  if (!tls_.cert_file.empty()) {
    SslContext context;
    if (Status s = load_server_tls(tls_.cert_file, tls_.key_file, &context); !s.is_ok()) return s;
    front_door_.use_tls(std::move(context));
  }
  if (Status s = front_door_.bind(host, port); !s.is_ok()) {
    std::string why = s.message();
    if (const std::optional<pid_t> owner = port != 0 ? pid_listening_on(port) : std::nullopt) {
      why = "cannot listen on " + host + ":" + std::to_string(port) +
            ": the port is taken by pid " + std::to_string(*owner);
    }
    return Status::io_error(why);
  }
  std::vector<std::string> names = context_.host_names;
  names.push_back(host);
  fence_ = std::make_unique<RequestFence>(context_.tokens->empty(), names);
  return Status::ok();
}

void ApiServer::serve() { front_door_.serve(); }

void ApiServer::stop() { front_door_.stop(); }

}  // namespace fastgpu
