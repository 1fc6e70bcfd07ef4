#pragma once
// Parsing of flag values shared by sub-commands. Each returns a message naming the problem.

#include <cstdint>
#include <string>
#include <vector>


namespace fastgpu::cli {

/// "42-51", "1,5,9" or "7" -> seeds; error text on bad syntax or more than 1,000 seeds.
std::string parse_seeds(const std::string& text, std::vector<uint64_t>* seeds);

/// "random,fgd" -> names, each checked against policy_names().
std::string parse_policies(const std::string& text, std::vector<std::string>* names);

}  // namespace fastgpu::cli
