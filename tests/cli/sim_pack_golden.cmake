# Golden test of `fastgpu sim pack`: runs it on the small fixed trace in ${DATA} and compares
# stdout byte for byte with ${DATA}/golden_pack.csv.
# Usage: cmake -DFASTGPU=<fastgpu binary> -DDATA=<tests/data> -P sim_pack_golden.cmake
# To regenerate after an intended change, run the command below and replace golden_pack.csv.

cmake_minimum_required(VERSION 3.25)

foreach(var FASTGPU DATA)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "sim_pack_golden.cmake: pass -D${var}=...")
  endif()
endforeach()

execute_process(
  COMMAND "${FASTGPU}" sim pack --nodes "${DATA}/golden_nodes.csv" --pods "${DATA}/golden_pods.csv"
          --policy best-fit,fgd --seeds 1-3 --format csv --jobs 1
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE actual
  ERROR_VARIABLE errors)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "fastgpu sim pack exited with ${rc}:\n${errors}")
endif()

file(READ "${DATA}/golden_pack.csv" expected)
if(actual STREQUAL expected)
  return()
endif()

# Report the first differing lines, as a diff would.
string(REPLACE "\n" ";" expected_lines "${expected}")
string(REPLACE "\n" ";" actual_lines "${actual}")
list(LENGTH expected_lines n_expected)
list(LENGTH actual_lines n_actual)
set(n ${n_expected})
if(n_actual GREATER n)
  set(n ${n_actual})
endif()
set(report "")
set(shown 0)
math(EXPR last "${n} - 1")
foreach(i RANGE 0 ${last})
  set(e "<missing>")
  set(a "<missing>")
  if(i LESS n_expected)
    list(GET expected_lines ${i} e)
  endif()
  if(i LESS n_actual)
    list(GET actual_lines ${i} a)
  endif()
  if(NOT e STREQUAL a)
    math(EXPR line "${i} + 1")
    string(APPEND report "@@ line ${line}\n-${e}\n+${a}\n")
    math(EXPR shown "${shown} + 1")
    if(shown EQUAL 10)
      string(APPEND report "... (further differences not shown)\n")
      break()
    endif()
  endif()
endforeach()
if(report STREQUAL "")
  set(report "(same lines; the files differ in line endings or a trailing newline)\n")
endif()
file(WRITE "${CMAKE_CURRENT_BINARY_DIR}/sim_pack_golden.actual.csv" "${actual}")
message(FATAL_ERROR
  "fastgpu sim pack output differs from ${DATA}/golden_pack.csv "
  "(${n_expected} expected lines, ${n_actual} actual; '-' expected, '+' actual):\n${report}"
  "Full output written to ${CMAKE_CURRENT_BINARY_DIR}/sim_pack_golden.actual.csv")
