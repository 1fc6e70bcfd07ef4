// The front door on real loopback sockets: a trickling client holds no thread and is cut off at
// its deadline, a peer past its cap is refused at once while another is served, /healthz and
// agents keep threads users cannot take, and pipelined requests are answered in order.

#include "server/api/front_door.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "raw_connection.h"

namespace fastgpu {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
using testing::RawConnection;

int threads_of_this_process() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

std::string get(const std::string& path) {
  return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

// A front door on a free loopback port whose requests are answered with their own path; a
// request for /block waits until release().
class FrontDoorTest : public ::testing::Test {
 protected:
  void start(FrontDoorLimits limits) {
    door_ = std::make_unique<FrontDoor>(limits, [this](httplib::Stream& request) {
      std::string text(4096, '\0');
      text.resize(static_cast<size_t>(request.read(text.data(), text.size())));
      const std::string path = text.substr(4, text.find(' ', 4) - 4);
      if (path == "/block") {
        std::unique_lock lock(mu_);
        released_.wait(lock, [&] { return release_; });
      }
      request.write("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(path.size()) +
                    "\r\n\r\n" + path);
      return true;
    });
    ASSERT_TRUE(door_->bind("127.0.0.1", 0).is_ok());
    serving_ = std::thread([this] { door_->serve(); });
  }
  void release() {
    std::lock_guard lock(mu_);
    release_ = true;
    released_.notify_all();
  }
  ~FrontDoorTest() override {
    release();
    if (door_) door_->stop();
    if (serving_.joinable()) serving_.join();
  }
  // The answer to `request` sent on a new connection from `from`.
  std::string ask(const std::string& request, const char* from = "127.0.0.1") {
    RawConnection connection(door_->port(), from);
    connection.send(request);
    return connection.read_until_quiet(milliseconds(300));
  }

  std::unique_ptr<FrontDoor> door_;
  std::thread serving_;
  std::mutex mu_;
  std::condition_variable released_;
  bool release_ = false;
};

TEST_F(FrontDoorTest, TricklingClientsHoldNoThreadAndEndAtTheirDeadline) {
  FrontDoorLimits limits;
  limits.request_deadline = milliseconds(1500);
  start(limits);
  const int threads_before = threads_of_this_process();
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 300; ++i) {
    slow.push_back(std::make_unique<RawConnection>(door_->port()));
    ASSERT_TRUE(slow.back()->send("GET /slow HTTP/1.1\r\nX-Slow: a"));
  }
  for (auto& connection : slow) connection->send("b");
  const auto start = steady_clock::now();
  EXPECT_NE(ask(get("/fast")).find("200 OK"), std::string::npos);
  EXPECT_LT(steady_clock::now() - start, milliseconds(1000));
  EXPECT_LT(threads_of_this_process(), threads_before + 10) << "slow clients took threads";
  int cut_off = 0;
  for (auto& connection : slow) {
    const std::string answer = connection->read_until_quiet(milliseconds(3000));
    cut_off += answer.find("408 Request Timeout") != std::string::npos &&
               answer.find("did not arrive whole within 1.5 s") != std::string::npos;
  }
  EXPECT_EQ(cut_off, 300);
}

TEST_F(FrontDoorTest, APeerPastItsCapIsRefusedAtOnceAndAnotherPeerIsServed) {
  FrontDoorLimits limits;
  limits.max_connections_per_peer = 3;
  start(limits);
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 3; ++i) held.push_back(std::make_unique<RawConnection>(door_->port()));
  std::this_thread::sleep_for(milliseconds(100));  // all three accepted
  RawConnection fourth(door_->port());
  const auto start = steady_clock::now();
  EXPECT_TRUE(fourth.closed_within(milliseconds(1000)));
  EXPECT_LT(steady_clock::now() - start, milliseconds(500));
  EXPECT_NE(ask(get("/other"), "127.0.0.2").find("/other"), std::string::npos);
  held.pop_back();
  std::this_thread::sleep_for(milliseconds(100));  // its close is seen
  EXPECT_NE(ask(get("/again")).find("/again"), std::string::npos);
}

TEST_F(FrontDoorTest, TheRefusalSaysWhichCapWasPassed) {
  FrontDoorLimits limits;
  limits.max_connections_per_peer = 1;
  start(limits);
  RawConnection first(door_->port());
  std::this_thread::sleep_for(milliseconds(100));
  RawConnection second(door_->port());
  const std::string answer = second.read_until_quiet(milliseconds(500));
  EXPECT_NE(answer.find("503"), std::string::npos) << answer;
  EXPECT_NE(answer.find("--max-connections-per-peer"), std::string::npos) << answer;
}

TEST_F(FrontDoorTest, HealthAndAgentsAreServedWhileUsersTakeEveryThread) {
  FrontDoorLimits limits;
  limits.user_threads = 2;
  start(limits);
  RawConnection first(door_->port()), second(door_->port()), third(door_->port());
  first.send(get("/block"));
  second.send(get("/block"));
  third.send(get("/queued"));
  EXPECT_EQ(third.read_until_quiet(milliseconds(300)), "") << "a third user thread ran";
  EXPECT_NE(ask(get("/healthz")).find("/healthz"), std::string::npos);
  EXPECT_NE(ask("POST /v1/agents/sync HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}").find("200 OK"),
            std::string::npos);
  release();
  EXPECT_NE(third.read_until_quiet(milliseconds(1000)).find("/queued"), std::string::npos);
}

TEST_F(FrontDoorTest, PipelinedRequestsAreAnsweredInOrderOnOneConnection) {
  start({});
  RawConnection connection(door_->port());
  connection.send(get("/one") + get("/two") + "GET /thr");
  connection.send("ee HTTP/1.1\r\n\r\n");
  const std::string answers = connection.read_until_quiet(milliseconds(300));
  const size_t one = answers.find("/one"), two = answers.find("/two"),
               three = answers.find("/three");
  ASSERT_NE(three, std::string::npos) << answers;
  EXPECT_LT(one, two);
  EXPECT_LT(two, three);
}

TEST_F(FrontDoorTest, UnfinishedRequestsPastTheByteBudgetAreRefused) {
  FrontDoorLimits limits;
  limits.max_buffered_bytes = 4096;
  start(limits);
  RawConnection big(door_->port());
  big.send("POST /big HTTP/1.1\r\nContent-Length: 100000\r\n\r\n" + std::string(8192, 'x'));
  const std::string answer = big.read_until_quiet(milliseconds(500));
  EXPECT_NE(answer.find("503"), std::string::npos) << answer;
  EXPECT_NE(answer.find("too many unfinished requests"), std::string::npos) << answer;
  EXPECT_NE(ask(get("/small")).find("/small"), std::string::npos);
}

}  // namespace
}  // namespace fastgpu
