#pragma once
// Parsing of flag values shared by sub-commands. Each returns a message naming the problem.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace fastgpu::cli {

/// "42-51", "1,5,9" or "7" -> seeds; error text on bad syntax or more than 1,000 seeds.
std::string parse_seeds(const std::string& text, std::vector<uint64_t>* seeds);

/// "random,fgd" -> names, each checked against policy_names().
std::string parse_policies(const std::string& text, std::vector<std::string>* names);

/// Parses `text` as an integer within [lo, hi]; returns a message naming `flag` when it is not.
std::string parse_int_flag(const std::string& flag, const std::string& text, uint64_t lo,
                           uint64_t hi, uint64_t* value);

/// Checks that `text` is a finite number above 0 (a whole one when `whole`); returns what is
/// wrong with it ("'nan' is not a finite number above 0"), empty when nothing is.
std::string positive_number_problem(const std::string& text, bool whole);

/// Checks a --format value: table, json or csv.
std::string check_format(const std::string& format);

/// The trace files to read: the flags' paths, or the openb GPU node list and default pod list
/// under default_trace_dir() for the flags left empty.
void trace_paths(const std::string& nodes_flag, const std::string& pods_flag,
                 std::string* nodes_path, std::string* pods_path);

/// Creates `dir` and writes each (file name, contents) into it; the message names what failed.
std::string write_output_files(const std::string& dir,
                               const std::vector<std::pair<std::string, std::string>>& files);

/// Writes `text` to `path`; the message names the file when it cannot.
std::string write_text_file(const std::string& path, const std::string& text);

}  // namespace fastgpu::cli
