#!/usr/bin/env bash
# gpu-check.sh: everything a GPU check of Fathom needs, in one script
# (see ../shared/GPU.md).
#
#   build-aux/gpu-check.sh build         on a development machine (nvcc, no GPU):
#                                         builds _gpubuild (release, CUDA, no GUI)
#                                         and bundles the programs into _gpu/
#   build-aux/gpu-check.sh run [LOGDIR]  on the GPU machine, with _gpu/ carried:
#                                         the cuda tests, `fathom-cli check --device
#                                         cuda`, then the benchmark sections; the
#                                         full log goes to LOGDIR (default $OUT,
#                                         else /tmp) and a short table is printed last
#
# Without a mode it runs when _gpu/ is there and nvidia-smi sees a GPU, and
# builds otherwise. Exit status: 0 when every check passed.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bundle=$here/_gpu
build=$here/_gpubuild

mode=${1:-}
if [ -z "$mode" ]; then
  if [ -x "$bundle/bin/test-cuda" ] && nvidia-smi -L >/dev/null 2>&1; then mode=run; else mode=build; fi
fi

# ---- build: on the development machine ---------------------------------------

do_build() {
  set -e
  cd "$here"
  if [ -f "$build/build.ninja" ]; then
    meson setup --reconfigure "$build" -Dgui=false -Dcuda=enabled --buildtype=release >/dev/null
  else
    meson setup "$build" -Dgui=false -Dcuda=enabled --buildtype=release
  fi
  ninja -C "$build" app/fathom-cli tests/test-cuda
  rm -rf "$bundle"
  "$here/../shared/tools/gpu-bundle" "$bundle" "$build/app/fathom-cli" "$build/tests/test-cuda"
  # The device tool carries at most 64 MiB: the working tree and _gpu together.
  local mb
  mb=$(du -sm "$bundle" | cut -f1)
  if [ "$mb" -gt 56 ]; then
    echo "gpu-check: warning: the bundle is $mb MiB; with the tree it may not fit in 64 MiB" >&2
  fi
  echo "gpu-check: bundle ready in $bundle (carry _gpu); on the GPU machine run: build-aux/gpu-check.sh run"
}

# ---- run: on the GPU machine ------------------------------------------------------

do_run() {
  local logdir=${1:-${OUT:-/tmp}}
  mkdir -p "$logdir"
  local log=$logdir/gpu-check.log tap=$logdir/test-cuda.tap check=$logdir/check.txt
  local status=0 tests_rc check_rc

  if [ ! -x "$bundle/bin/test-cuda" ] || [ ! -x "$bundle/bin/fathom-cli" ]; then
    echo "gpu-check: no bundle in $bundle (run 'build-aux/gpu-check.sh build' on a dev machine and carry _gpu)" >&2
    return 2
  fi
  # The bundle's GLib and friends, then CUDA's own libraries of this machine.
  export LD_LIBRARY_PATH="$bundle/lib:/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  : > "$log"

  {
    echo "== gpu-check $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname)"
    echo "== git: $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown) (working tree may differ)"
    echo
    echo "== nvidia-smi"
    nvidia-smi 2>&1 || echo "(nvidia-smi failed)"
    echo
    echo "== libraries the programs resolve"
    ldd "$bundle/bin/test-cuda" 2>&1 | grep -E "cuda|cublas|glib|not found" || true
    echo
    echo "== fathom-cli devices"
    "$bundle/bin/fathom-cli" devices 2>&1
    echo
  } >> "$log"

  # 1. The cuda test suite; a missing GPU must fail here, not skip, and
  #    --keep-going reports every failing op rather than bailing out.
  echo "== test-cuda (FATHOM_REQUIRE_CUDA=1)" >> "$log"
  FATHOM_REQUIRE_CUDA=1 timeout 600 "$bundle/bin/test-cuda" --tap --keep-going --verbose > "$tap" 2>&1
  tests_rc=$?
  cat "$tap" >> "$log"
  echo "== test-cuda exit status $tests_rc" >> "$log"
  echo >> "$log"
  [ "$tests_rc" -eq 0 ] || status=1

  # 2. Parity of every op and the training smoke test, as a table.
  echo "== fathom-cli check --device cuda" >> "$log"
  timeout 600 "$bundle/bin/fathom-cli" check --device cuda > "$check" 2>&1
  check_rc=$?
  cat "$check" >> "$log"
  echo "== fathom-cli check exit status $check_rc" >> "$log"
  echo >> "$log"
  [ "$check_rc" -eq 0 ] || status=1


  # The short table, last.
  local passed failed skipped device ops
  passed=$(grep -c '^ok ' "$tap" | tr -d ' ')
  skipped=$(grep -c '^ok .*# SKIP' "$tap" | tr -d ' ')
  failed=$(grep -c '^not ok' "$tap" | tr -d ' ')
  passed=$((passed - skipped))
  device=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1)
  ops=$(tail -1 "$check")
  {
    echo
    echo "== summary"
    printf '%-18s %s\n' "device" "${device:-unknown (nvidia-smi failed)}"
    printf '%-18s %s\n' "test-cuda" "$passed passed, $failed failed, $skipped skipped (exit $tests_rc)"
    printf '%-18s %s\n' "fathom-cli check" "$ops (exit $check_rc)"
    grep -E 'FAIL|error:|worst:' "$check" | sed 's/^/                   /' || true
    printf '%-18s %s\n' "log" "$log"
    printf '%-18s %s\n' "result" "$([ $status -eq 0 ] && echo PASS || echo FAIL)"
  } | tee -a "$log"
  return $status
}

case "$mode" in
  build) do_build ;;
  run) shift || true; do_run "${1:-}" ;;
  *) echo "usage: $0 [build | run [LOGDIR]]" >&2; exit 2 ;;
esac
