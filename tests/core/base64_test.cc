#include "core/base64.h"

#include <gtest/gtest.h>

#include <string>

namespace fastgpu {
namespace {

TEST(Base64, EncodesTheRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64, EveryByteValueRoundTrips) {
  std::string bytes;
  for (int i = 0; i < 256 * 3 + 1; ++i) bytes.push_back(static_cast<char>(i * 7 % 256));
  for (size_t length = 0; length <= bytes.size(); length += 97) {
    std::string decoded;
    ASSERT_TRUE(base64_decode(base64_encode(bytes.substr(0, length)), &decoded)) << length;
    EXPECT_EQ(decoded, bytes.substr(0, length));
  }
}

TEST(Base64, RefusesWhatTheEncoderNeverWrites) {
  std::string out;
  EXPECT_FALSE(base64_decode("Zg=", &out));        // length not a multiple of 4
  EXPECT_FALSE(base64_decode("Zg==Zg==", &out));   // padding before the end
  EXPECT_FALSE(base64_decode("Z===", &out));       // three padding characters
  EXPECT_FALSE(base64_decode("Zh==", &out));       // unused bits set
  EXPECT_FALSE(base64_decode("Zm9v YmFy", &out));  // white space
  EXPECT_FALSE(base64_decode("Zm9-", &out));       // URL-safe alphabet
  EXPECT_TRUE(base64_decode("Zm9vYmFy", &out));
  EXPECT_EQ(out, "foobar");
}

}  // namespace
}  // namespace fastgpu
