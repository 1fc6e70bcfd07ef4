// Bad input against a real fastgpud: each request gets its 4xx naming the problem, and the
// daemon's state does not change.

#include <gtest/gtest.h>

#include "daemon_process.h"

namespace fastgpu::testing {
namespace {

struct BadRequest {
  std::string path;
  std::string body;
  int status;
  std::string code;
  std::string mentions;  // a word the message must contain
};

class BadInputTest : public ::testing::Test {
 protected:
  // Tasks and vGPUs as listed now: compared before and after each bad request.
  std::string state() {
    return daemon_.get("/v1/tasks?limit=10000").body + daemon_.get("/v1/vgpus").body +
           daemon_.get("/v1/gpus").body;
  }
  void expect_refused(const BadRequest& r) {
    const std::string before = state();
    const Answer a = daemon_.post(r.path, r.body);
    EXPECT_EQ(a.status, r.status) << r.body << " -> " << a.body;
    EXPECT_EQ(a.json["error"]["code"], r.code) << r.body << " -> " << a.body;
    const std::string message = a.json["error"]["message"].is_string()
                                    ? a.json["error"]["message"].get<std::string>()
                                    : std::string();
    EXPECT_NE(message.find(r.mentions), std::string::npos) << r.body << " -> " << message;
    EXPECT_EQ(state(), before) << r.body;
  }

  TempDir dir_;
  DaemonProcess daemon_{dir_.path(), {"--simulate-gpus", "8xA100-80GB"}};
};

TEST_F(BadInputTest, EachIsRefusedWithItsOwnMessage) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  const Answer vgpu = daemon_.post("/v1/vgpus", R"({"tflops": 20})");
  ASSERT_EQ(vgpu.status, 201);
  const std::string v = std::to_string(int64_t{vgpu.json["id"]});
  const std::vector<BadRequest> cases = {
      {"/v1/tasks", R"({"argv": ["true")", 400, "invalid_json", "JSON"},
      {"/v1/tasks", R"([1, 2])", 400, "invalid_json", "object"},
      {"/v1/tasks", std::string(100, '[') + std::string(100, ']'), 400, "invalid_json", "nests"},
      {"/v1/tasks", R"({"argv": "true"})", 400, "invalid_argument", "argv"},
      {"/v1/tasks", R"({"argv": [1]})", 400, "invalid_argument", "argv"},
      {"/v1/tasks", R"({"argv": []})", 400, "invalid_argument", "argv"},
      {"/v1/tasks", R"({"argv": ["true"], "gpu": "half"})", 400, "invalid_argument", "gpu"},
      {"/v1/tasks", R"({"argv": ["true"], "gpu": -0.5})", 400, "invalid_argument", "gpu"},
      {"/v1/tasks", R"({"argv": ["true"], "gpu": 2})", 400, "invalid_argument", "gpu"},
      {"/v1/tasks", R"({"argv": ["true"], "gpus": 1e12})", 400, "invalid_argument", "gpus"},
      {"/v1/tasks", R"({"argv": ["true"], "gpus": 1000000000000})", 400, "invalid_argument",
       "gpus"},
      {"/v1/tasks", R"({"argv": ["true"], "gpus": -1})", 400, "invalid_argument", "gpus"},
      {"/v1/tasks", R"({"argv": ["true"], "gpus": 9})", 422, "infeasible", "could ever hold"},
      {"/v1/tasks", R"({"argv": ["true"], "tflops": 0})", 400, "invalid_argument", "tflops"},
      {"/v1/tasks", R"({"argv": ["true"], "tflops": 1e300})", 400, "invalid_argument", "tflops"},
      {"/v1/tasks", R"({"argv": ["true"], "tflops": 400})", 422, "infeasible", "400 TFLOPS"},
      {"/v1/tasks", R"({"argv": ["true"], "gpu": 0.5, "memory": "-1GiB"})", 400, "invalid_argument",
       "memory"},
      {"/v1/tasks", R"({"argv": ["true"], "gpu": 0.5, "memory": "lots"})", 400, "invalid_argument",
       "memory"},
      {"/v1/tasks", R"({"argv": ["true"], "gpu": 0.5, "memory": "2TiB"})", 422, "infeasible",
       "MiB"},
      {"/v1/tasks", R"({"argv": ["true"], "cpu": -2})", 400, "invalid_argument", "cpu"},
      {"/v1/tasks", R"({"argv": ["true"], "gpu": 0.5, "gpus": 1})", 400, "invalid_argument",
       "only one"},
      {"/v1/tasks", R"({"argv": ["true"], "seconds": 3})", 400, "invalid_argument", "exactly one"},
      {"/v1/tasks", R"({"gpu": 0.5})", 400, "invalid_argument", "exactly one"},
      {"/v1/tasks", R"({"argv": ["true"], "colour": "blue"})", 400, "invalid_argument", "colour"},
      {"/v1/tasks", R"({"argv": ["true"], "env": {"A=B": "x"}})", 400, "invalid_argument", "env"},
      {"/v1/tasks", R"({"argv": ["true"], "priority": 1.5})", 400, "invalid_argument", "priority"},
      {"/v1/tasks", R"({"argv": ["true"], "max_retries": 1000})", 400, "invalid_argument",
       "max_retries"},
      {"/v1/tasks", R"({"argv": ["true"], "timeout": -1})", 400, "invalid_argument", "timeout"},
      {"/v1/tasks", R"({"argv": ["true"], "vgpu": 999})", 404, "not_found", "999"},
      {"/v1/tasks", R"({"argv": ["true"], "vgpu": "one"})", 400, "invalid_argument", "vgpu"},
      {"/v1/tasks", R"({"tflops": 30, "seconds": 1, "vgpu": )" + v + "}", 422, "infeasible",
       "30 TFLOPS"},
      {"/v1/tasks", R"({"gpus": 2, "seconds": 1, "vgpu": )" + v + "}", 422, "infeasible", "GPUs"},
      {"/v1/vgpus", R"({"tflops": 0})", 400, "invalid_argument", "tflops"},
      {"/v1/vgpus", R"({"tflops": 20, "gpu": 0.5})", 400, "invalid_argument", "exactly one"},
      {"/v1/vgpus", R"({})", 400, "invalid_argument", "exactly one"},
      {"/v1/vgpus", R"({"gpu": 0.5, "name": "x"})", 400, "invalid_argument", "name"},
      {"/v1/vgpus", R"({"tflops": 1000})", 422, "infeasible", "no GPU"},
      {"/v1/tasks", std::string(2 << 20, ' '), 413, "payload_too_large", "1 MiB"},
  };
  for (const BadRequest& r : cases) expect_refused(r);
}

TEST_F(BadInputTest, UnknownRoutesAndIdsAreNotFound) {
  ASSERT_TRUE(daemon_.started()) << daemon_.log();
  EXPECT_EQ(daemon_.get("/v1/nothing").json["error"]["code"], "not_found");
  EXPECT_EQ(daemon_.get("/v1/tasks/12345").status, 404);
  EXPECT_EQ(daemon_.get("/v1/tasks/abc").status, 404);
  EXPECT_EQ(daemon_.get("/v1/tasks/99999999999999999999999").status, 404);
  EXPECT_EQ(daemon_.get("/v1/tasks?state=sleeping").status, 400);
  EXPECT_EQ(daemon_.get("/v1/tasks?limit=0").status, 400);
  EXPECT_EQ(daemon_.get("/v1/tasks/1/wait?timeout=-1").status, 400);
  EXPECT_EQ(daemon_.del("/v1/vgpus/77").status, 404);
  EXPECT_EQ(daemon_.get("/healthz").status, 200);  // and the daemon still serves
}

}  // namespace
}  // namespace fastgpu::testing
