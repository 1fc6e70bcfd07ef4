// Connections counted per peer address and in all.

#include "server/api/connection_caps.h"

#include <gtest/gtest.h>

namespace fastgpu {
namespace {

TEST(ConnectionCaps, APeerAtItsCapIsRefusedAndOthersAreNot) {
  ConnectionCaps caps(2, 10);
  EXPECT_EQ(caps.admit("10.0.0.1"), "");
  EXPECT_EQ(caps.admit("10.0.0.1"), "");
  const std::string why = caps.admit("10.0.0.1");
  EXPECT_NE(why.find("10.0.0.1 holds 2 connections"), std::string::npos) << why;
  EXPECT_EQ(caps.admit("10.0.0.2"), "");
  caps.release("10.0.0.1");
  EXPECT_EQ(caps.admit("10.0.0.1"), "");
  EXPECT_EQ(caps.open(), 3u);
}

TEST(ConnectionCaps, PastTheTotalEveryoneIsRefusedUntilOneCloses) {
  ConnectionCaps caps(5, 3);
  for (const char* peer : {"a", "b", "c"}) EXPECT_EQ(caps.admit(peer), "");
  EXPECT_NE(caps.admit("d").find("--max-connections"), std::string::npos);
  caps.release("b");
  caps.release("never-admitted");
  EXPECT_EQ(caps.open(), 2u);
  EXPECT_EQ(caps.admit("d"), "");
}

}  // namespace
}  // namespace fastgpu
