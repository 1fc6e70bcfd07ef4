#include "cli/cli_options.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace fastgpu::cli {
namespace {

TEST(ParseSeeds, RangesListsAndSingles) {
  std::vector<uint64_t> seeds;
  EXPECT_EQ(parse_seeds("42-45,7", &seeds), "");
  EXPECT_EQ(seeds, (std::vector<uint64_t>{42, 43, 44, 45, 7}));
}

TEST(ParseSeeds, LargestSeedDoesNotWrap) {
  std::vector<uint64_t> seeds;
  EXPECT_EQ(parse_seeds("18446744073709551615", &seeds), "");
  EXPECT_EQ(seeds, (std::vector<uint64_t>{std::numeric_limits<uint64_t>::max()}));
  EXPECT_EQ(parse_seeds("18446744073709551614-18446744073709551615", &seeds), "");
  EXPECT_EQ(seeds.size(), 2u);
}

TEST(ParseSeeds, BadInputNamesTheFlag) {
  std::vector<uint64_t> seeds;
  for (const char* bad : {"", "x", "5-3", "1-", "-1", "1-2000", "18446744073709551616"}) {
    EXPECT_NE(parse_seeds(bad, &seeds).find("--seeds"), std::string::npos) << bad;
  }
}

TEST(ParsePolicies, UnknownNameListsTheKnownOnes) {
  std::vector<std::string> names;
  EXPECT_EQ(parse_policies("fgd,best-fit", &names), "");
  EXPECT_EQ(names, (std::vector<std::string>{"fgd", "best-fit"}));
  const std::string error = parse_policies("fgd,nope", &names);
  EXPECT_NE(error.find("'nope'"), std::string::npos);
  EXPECT_NE(error.find("fgd-balanced"), std::string::npos);
}

TEST(PositiveNumber, AcceptsFiniteNumbersAboveZero) {
  for (const char* good : {"0.25", "1", "20", "1e3", "100000"}) {
    EXPECT_EQ(positive_number_problem(good, false), "") << good;
  }
  EXPECT_EQ(positive_number_problem("3", true), "");
}

TEST(PositiveNumber, RefusesNanInfinityZeroNegativesAndText) {
  for (const char* bad : {"nan", "NaN", "-nan", "inf", "-inf", "infinity", "0", "-0", "-1", "-0.5",
                          "", "x", "1x", " 1", "0x10"}) {
    EXPECT_EQ(positive_number_problem(bad, false),
              std::string("'").append(bad).append("' is not a finite number above 0"))
        << bad;
  }
  EXPECT_EQ(positive_number_problem("1.5", true), "'1.5' is not a whole number");
}

}  // namespace
}  // namespace fastgpu::cli
