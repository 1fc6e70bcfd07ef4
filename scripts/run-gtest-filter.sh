#!/usr/bin/env bash
# Runs a GoogleTest binary on a --gtest_filter, but fails when any of the filter's patterns
# (separated by ':') matches no test: a renamed test must not leave a sanitizer step that
# silently runs nothing.
#   scripts/run-gtest-filter.sh BINARY 'Suite.*:Other*'
set -euo pipefail
if [[ $# -ne 2 ]]; then
  echo "usage: $0 BINARY FILTER" >&2
  exit 2
fi
binary=$1
filter=$2
IFS=':' read -r -a patterns <<< "$filter"
for pattern in "${patterns[@]}"; do
  # Test names are the indented lines of the listing.
  listing=$("$binary" --gtest_list_tests --gtest_filter="$pattern")
  if ! grep -q '^  ' <<< "$listing"; then
    echo "$0: no test of $binary matches '$pattern' (renamed or removed?)" >&2
    exit 1
  fi
done
exec "$binary" --gtest_filter="$filter"
