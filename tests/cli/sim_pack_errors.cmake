# `fastgpu sim pack` must refuse bad flags and missing files with a non-zero exit status and a
# message naming the flag or the file.
# Usage: cmake -DFASTGPU=<fastgpu binary> -DDATA=<tests/data> -P sim_pack_errors.cmake

cmake_minimum_required(VERSION 3.25)

foreach(var FASTGPU DATA)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "sim_pack_errors.cmake: pass -D${var}=...")
  endif()
endforeach()

set(nodes "${DATA}/golden_nodes.csv")
set(pods "${DATA}/golden_pods.csv")

# Runs `fastgpu sim pack <args...>` and fails unless it exits non-zero and its stderr
# contains `needle`.
function(expect_failure needle)
  execute_process(
    COMMAND "${FASTGPU}" sim pack ${ARGN} --format csv --jobs 1
    RESULT_VARIABLE rc
    OUTPUT_VARIABLE out
    ERROR_VARIABLE err)
  if(rc EQUAL 0)
    message(FATAL_ERROR "sim pack ${ARGN}: exited 0, expected a failure naming '${needle}'")
  endif()
  string(FIND "${err}" "${needle}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "sim pack ${ARGN}: exited ${rc}, but stderr does not name "
                        "'${needle}':\n${err}")
  endif()
endfunction()

expect_failure("--seeds" --nodes "${nodes}" --pods "${pods}" --seeds x)
expect_failure("--policy" --nodes "${nodes}" --pods "${pods}" --policy nope)
expect_failure("nope" --nodes "${nodes}" --pods "${pods}" --policy nope)
expect_failure("missing.csv" --nodes "${nodes}" --pods "${DATA}/missing.csv")
expect_failure("missing_nodes.csv" --nodes "${DATA}/missing_nodes.csv" --pods "${pods}")
