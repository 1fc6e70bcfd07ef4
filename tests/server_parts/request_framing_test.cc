// Where a request ends in a connection's bytes: the front door hands a request on only once
// frame_request says it is whole, and refuses what fastgpud does not take.

#include "server/api/request_framing.h"

#include <gtest/gtest.h>

#include <string>

namespace fastgpu {
namespace {

constexpr size_t kMiB = size_t{1} << 20;
using State = RequestFraming::State;

TEST(RequestFraming, AHeadWithoutBodyIsWholeAtItsEmptyLine) {
  const std::string request = "GET /v1/tasks HTTP/1.1\r\nHost: a\r\n\r\n";
  EXPECT_EQ(frame_request(request.substr(0, request.size() - 1), kMiB).state, State::kIncomplete);
  const RequestFraming framing = frame_request(request + "GET /next", kMiB);
  EXPECT_EQ(framing.state, State::kWhole);
  EXPECT_EQ(framing.size, request.size());
  EXPECT_FALSE(framing.reserved);
}

TEST(RequestFraming, ABodyIsWholeAtItsContentLengthWhateverTheNameCase) {
  const std::string head = "POST /v1/tasks HTTP/1.1\r\ncontent-LENGTH:  5 \r\n\r\n";
  EXPECT_EQ(frame_request(head + "1234", kMiB).state, State::kIncomplete);
  const RequestFraming framing = frame_request(head + "12345GET", kMiB);
  EXPECT_EQ(framing.state, State::kWhole);
  EXPECT_EQ(framing.size, head.size() + 5);
}

TEST(RequestFraming, HealthAndAgentRoutesAreReserved) {
  EXPECT_TRUE(frame_request("GET /healthz HTTP/1.1\r\n\r\n", kMiB).reserved);
  EXPECT_TRUE(frame_request("POST /v1/agents/sync HTTP/1.1\r\n\r\n", kMiB).reserved);
  EXPECT_FALSE(frame_request("GET /healthzz HTTP/1.1\r\n\r\n", kMiB).reserved);
  EXPECT_FALSE(frame_request("GET /v1/tasks?x=/v1/agents/ HTTP/1.1\r\n\r\n", kMiB).reserved);
}

TEST(RequestFraming, WhatFastgpudDoesNotTakeIsRefusedWithItsReason) {
  struct Case {
    std::string bytes;
    int status;
  };
  const Case cases[] = {
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 411},
      {"POST / HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nContent-Length: 1048577\r\n\r\n", 413},
      {"GET / HTTP/1.1\r\nX: " + std::string(kMaxRequestHeadBytes, 'a'), 431},
  };
  for (const Case& c : cases) {
    const RequestFraming framing = frame_request(c.bytes, kMiB);
    EXPECT_EQ(framing.state, State::kRefused) << c.bytes.substr(0, 60);
    EXPECT_EQ(framing.error.http_status(), c.status) << c.bytes.substr(0, 60);
  }
  EXPECT_NE(frame_request(cases[4].bytes, kMiB).error.message().find("1 MiB"), std::string::npos);
}

TEST(RequestFraming, AHeadExpectingContinueIsNotedUntilTheBodyArrives) {
  const std::string head = "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n";
  EXPECT_TRUE(frame_request(head, kMiB).expects_continue);
  EXPECT_EQ(frame_request(head + "{}", kMiB).state, State::kWhole);
}

}  // namespace
}  // namespace fastgpu
