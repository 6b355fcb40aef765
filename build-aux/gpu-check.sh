#!/usr/bin/env bash
# gpu-check.sh: everything a GPU check of Fathom needs, in one script
# (see ../shared/GPU.md).
#
#   build-aux/gpu-check.sh build         on a development machine (nvcc, no GPU):
#                                         builds _gpubuild (release, CUDA, no GUI)
#                                         and bundles the programs into _gpu/ (their
#                                         libraries packed as lib.tar.xz: 21 MiB in
#                                         all, where 75 would not travel)
#   build-aux/gpu-check.sh run [LOGDIR]  on the GPU machine, with _gpu/ carried:
#                                         the cuda tests, then again under
#                                         compute-sanitizer's memcheck (at most
#                                         GPU_CHECK_MEMCHECK_TIMEOUT s, default 120),
#                                         `fathom-cli check --device cuda` (conv2d on
#                                         our own path and on cuDNN; the training
#                                         smoke test once on each), then the
#                                         benchmark: `fathom-cli bench --device cuda
#                                         --json --profile 5` (convolutions on cuDNN
#                                         where the build has it, their algorithms
#                                         and the per-layer profile in the log) and
#                                         the same workloads in PyTorch
#                                         (build-aux/bench-torch.py), by default and
#                                         with cudnn.benchmark, in strict FP32 and
#                                         with --tf32 (training steps captured as
#                                         CUDA graphs, the default), then ours with
#                                         FATHOM_CUDNN_SEARCH=heuristic, and fcn-step
#                                         and gru-step again with
#                                         FATHOM_CUDA_GRAPHS=0 (eager); the full log
#                                         and the bench-*.json files go to LOGDIR
#                                         (default $OUT, else /tmp) and short tables
#                                         with the ours/PyTorch ratios are printed
#                                         last. GPU_CHECK_STEP_TIMEOUT (default 600)
#                                         bounds each program's seconds;
#                                         GPU_CHECK_BENCH_EXTRAS=0 leaves out the
#                                         cudnn.benchmark, heuristic and eager
#                                         benches; GPU_CHECK_CUDNN_DIR picks the
#                                         libcudnn.so.9 to load.
#
# The bundle leaves out libcudnn (gpu-bundle skips it, like CUDA's own
# libraries): `run` finds this machine's libcudnn.so.9 (ldconfig, else
# PyTorch's copy) and puts its folder on LD_LIBRARY_PATH, where the
# backend's dlopen() (and cuDNN's own, of its sub-libraries) finds it. A
# build with cuDNN starts without it too, convolving on im2col + cuBLAS;
# where it is found, test-cuda runs with FATHOM_REQUIRE_CUDNN=1, so cuDNN
# being unusable fails the check.
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
  # The device tool carries at most 64 MiB: the working tree and _gpu
  # together. The libraries are 70 MiB as they are (OpenBLAS alone is 36,
  # with a kernel set for every CPU) and 15 as an xz archive, which `run`
  # unpacks on the GPU machine.
  tar -C "$bundle" -cf - lib | xz -6 -T2 > "$bundle/lib.tar.xz"
  rm -rf "$bundle/lib"
  local mb
  mb=$(du -sm "$bundle" | cut -f1)
  if [ "$mb" -gt 56 ]; then
    echo "gpu-check: warning: the bundle is $mb MiB; with the tree it may not fit in 64 MiB" >&2
  fi
  echo "gpu-check: bundle ready in $bundle (carry _gpu); on the GPU machine run: build-aux/gpu-check.sh run"
}

# ---- run: on the GPU machine ------------------------------------------------------

# "vgg16-features graph, fcn-step graph, gru-step eager (reason)" from a
# bench JSON file: whether each workload ran as a captured CUDA graph.
graph_summary() {
  python3 - "$1" <<'PY' 2>/dev/null || echo "unknown (see the bench JSON)"
import json, sys
rows = json.load(open(sys.argv[1])).get("results", [])
out = []
for r in rows:
    if "mode" not in r:
        continue
    if r.get("graph"):
        out.append("%s graph" % r["workload"])
    else:
        out.append("%s eager (%s)" % (r["workload"], r.get("graph_reason", "no reason")))
print(", ".join(out) if out else "no workloads")
PY
}

do_run() {
  local logdir=${1:-${OUT:-/tmp}}
  mkdir -p "$logdir"
  local log=$logdir/gpu-check.log tap=$logdir/test-cuda.tap check=$logdir/check.txt
  local status=0 tests_rc check_rc
  # Each program gets at most this many seconds (GPU_CHECK_STEP_TIMEOUT),
  # so one that hangs cannot take the whole lease.
  local step_timeout=${GPU_CHECK_STEP_TIMEOUT:-600}

  if [ ! -x "$bundle/bin/test-cuda" ] || [ ! -x "$bundle/bin/fathom-cli" ]; then
    echo "gpu-check: no bundle in $bundle (run 'build-aux/gpu-check.sh build' on a dev machine and carry _gpu)" >&2
    return 2
  fi
  # The bundle's libraries travel packed (see do_build): unpacked into a
  # folder of this machine's own, as the carried tree may be read-only.
  local libdir=$bundle/lib unpack
  if [ ! -d "$libdir" ]; then
    unpack=${TMPDIR:-/tmp}/fathom-gpu
    libdir=$unpack/lib
    if [ ! -f "$bundle/lib.tar.xz" ]; then
      echo "gpu-check: $bundle has neither lib/ nor lib.tar.xz (run 'build-aux/gpu-check.sh build' again)" >&2
      return 2
    fi
    rm -rf "$unpack" && mkdir -p "$unpack"
    if command -v xz >/dev/null 2>&1; then
      xz -dc "$bundle/lib.tar.xz" | tar -C "$unpack" -xf -
    else
      python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$bundle/lib.tar.xz" "$unpack"
    fi
    if [ ! -d "$libdir" ]; then
      echo "gpu-check: could not unpack $bundle/lib.tar.xz into $unpack" >&2
      return 2
    fi
  fi
  # PyTorch brings its own CUDA libraries: it runs with the environment as
  # it was, not with the bundle's.
  local orig_ld_path=${LD_LIBRARY_PATH:-}
  # cuDNN of this machine: the system's, else the one in PyTorch's
  # environment (its sub-libraries lie beside it, where it loads them from).
  local cudnn_lib="" cudnn_dir="" cudnn_note="" built_with_cudnn=0 require_cudnn=0
  # GPU_CHECK_CUDNN_DIR names another folder holding libcudnn.so.9 (PyTorch's
  # own, say, to run the version it runs).
  if [ -n "${GPU_CHECK_CUDNN_DIR:-}" ] && [ -f "$GPU_CHECK_CUDNN_DIR/libcudnn.so.9" ]; then
    cudnn_lib=$GPU_CHECK_CUDNN_DIR/libcudnn.so.9
  else
    cudnn_lib=$(ldconfig -p 2>/dev/null | awk '/libcudnn\.so\.9 / {print $NF; exit}')
  fi
  if [ -z "$cudnn_lib" ]; then
    for candidate in /opt/torch/.venv/lib/python3.12/site-packages/nvidia/cudnn/lib/libcudnn.so.9 \
                     /opt/torch/.venv/lib/python3*/site-packages/nvidia/cudnn/lib/libcudnn.so.9; do
      if [ -f "$candidate" ]; then cudnn_lib=$candidate; break; fi
    done
  fi
  [ -n "$cudnn_lib" ] && cudnn_dir=$(dirname "$(readlink -f "$cudnn_lib")")
  # The bundle's GLib and friends, then CUDA's own libraries of this
  # machine, then cuDNN's folder.
  export LD_LIBRARY_PATH="$libdir:/usr/local/cuda/lib64${cudnn_dir:+:$cudnn_dir}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  # A build with cuDNN does not link it (it is dlopen()ed by name), so
  # the soname in the program, not ldd, says whether it was built in.
  if grep -qaF 'libcudnn.so.9' "$bundle/bin/fathom-cli" 2>/dev/null; then
    built_with_cudnn=1
  fi
  if [ "$built_with_cudnn" -eq 1 ] && [ -n "$cudnn_dir" ]; then
    require_cudnn=1
    cudnn_note="built with cuDNN; libcudnn.so.9 from $cudnn_dir (loaded at run time)"
  elif [ "$built_with_cudnn" -eq 1 ]; then
    cudnn_note="built with cuDNN, but no libcudnn.so.9 here (ldconfig, PyTorch's environment): convolutions on im2col + cuBLAS only"
    echo "gpu-check: $cudnn_note" >&2
  else
    cudnn_note="built without cuDNN (-Dcudnn=disabled or no cudnn.h at build time): convolutions on im2col + cuBLAS only"
  fi
  : > "$log"

  {
    echo "== gpu-check $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname)"
    echo "== git: $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown) (working tree may differ)"
    echo
    echo "== nvidia-smi"
    nvidia-smi 2>&1 || echo "(nvidia-smi failed)"
    echo
    echo "== libraries the programs resolve"
    ldd "$bundle/bin/test-cuda" 2>&1 | grep -E "cuda|cublas|cudnn|glib|not found" || true
    echo "(libcudnn.so.9 is not linked: it is dlopen()ed from LD_LIBRARY_PATH=$LD_LIBRARY_PATH)"
    echo
    echo "== cuDNN: $cudnn_note"
    echo
    echo "== fathom-cli devices"
    "$bundle/bin/fathom-cli" devices 2>&1
    echo
  } >> "$log"

  # 1. The cuda test suite; a missing GPU must fail here, not skip, and
  #    --keep-going reports every failing op rather than bailing out.
  echo "== test-cuda (FATHOM_REQUIRE_CUDA=1, FATHOM_REQUIRE_CUDNN=$require_cudnn)" >> "$log"
  FATHOM_REQUIRE_CUDA=1 FATHOM_REQUIRE_CUDNN=$require_cudnn \
    timeout "$step_timeout" "$bundle/bin/test-cuda" --tap --keep-going --verbose > "$tap" 2>&1
  tests_rc=$?
  cat "$tap" >> "$log"
  echo "== test-cuda exit status $tests_rc ($SECONDS s since the start)" >> "$log"
  echo >> "$log"
  [ "$tests_rc" -eq 0 ] || status=1

  # 1b. The same tests under compute-sanitizer's memcheck (out-of-bounds
  #     and misaligned accesses, in our kernels and in what the libraries
  #     do with our buffers), for at most GPU_CHECK_MEMCHECK_TIMEOUT
  #     seconds (default 120; 0 skips it). API errors are not counted:
  #     /cuda/out-of-memory makes cudaMalloc fail on purpose. cuDNN's
  #     algorithms are taken
  #     from its heuristics there: timing every algorithm under memcheck
  #     would take the whole budget.
  local memcheck_timeout=${GPU_CHECK_MEMCHECK_TIMEOUT:-120} memcheck_note="skipped" sanitizer
  sanitizer=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
  if [ "$memcheck_timeout" -gt 0 ] && [ -x "$sanitizer" ]; then
    echo "== compute-sanitizer --tool memcheck test-cuda (at most $memcheck_timeout s)" >> "$log"
    FATHOM_REQUIRE_CUDA=1 FATHOM_CUDNN_SEARCH=heuristic timeout "$memcheck_timeout" \
      "$sanitizer" --tool memcheck --report-api-errors no --error-exitcode 3 "$bundle/bin/test-cuda" --tap --keep-going \
      > "$logdir/memcheck.txt" 2>&1
    local memcheck_rc=$?
    cat "$logdir/memcheck.txt" >> "$log"
    memcheck_note="$(grep -c '^ok ' "$logdir/memcheck.txt") tests ran, $(grep -c '^not ok' "$logdir/memcheck.txt") failed; $(grep -m1 'ERROR SUMMARY' "$logdir/memcheck.txt" | sed 's/^=* *//') (exit $memcheck_rc$([ "$memcheck_rc" -eq 124 ] && echo ': stopped at the time limit'))"
    echo "== memcheck exit status $memcheck_rc ($SECONDS s since the start)" >> "$log"
    echo >> "$log"
    [ "$memcheck_rc" -eq 3 ] && status=1
  elif [ "$memcheck_timeout" -gt 0 ]; then
    memcheck_note="no compute-sanitizer on this machine"
  fi

  # 2. Parity of every op and the training smoke test, as a table. The
  #    parity cases run conv2d on both paths (conv2d, conv2d/cudnn) each
  #    time; the training smoke test runs on the backend's default path,
  #    so once as it comes (cuDNN where usable) and once with
  #    FATHOM_CUDNN=0 (our own path).
  local check_own=$logdir/check-own.txt check_own_rc
  echo "== fathom-cli check --device cuda (default conv path)" >> "$log"
  timeout "$step_timeout" "$bundle/bin/fathom-cli" check --device cuda > "$check" 2>&1
  check_rc=$?
  cat "$check" >> "$log"
  echo "== fathom-cli check exit status $check_rc ($SECONDS s since the start)" >> "$log"
  echo >> "$log"
  [ "$check_rc" -eq 0 ] || status=1
  echo "== FATHOM_CUDNN=0 fathom-cli check --device cuda (our own conv path)" >> "$log"
  FATHOM_CUDNN=0 timeout "$step_timeout" "$bundle/bin/fathom-cli" check --device cuda > "$check_own" 2>&1
  check_own_rc=$?
  cat "$check_own" >> "$log"
  echo "== fathom-cli check (FATHOM_CUDNN=0) exit status $check_own_rc ($SECONDS s since the start)" >> "$log"
  echo >> "$log"
  [ "$check_own_rc" -eq 0 ] || status=1

  # 3. The benchmark: ours and PyTorch's on the same card in the same run,
  #    strict FP32 then TF32. A part that fails is logged and the others
  #    still run; only our own bench failing fails the check.
  local py=python3 have_torch=1 bench_note="" bench_status="" prec
  local -a compare_args=() eager_args=() tuned_args=() heuristic_args=()
  local extras=${GPU_CHECK_BENCH_EXTRAS:-1}
  [ -x /opt/torch/.venv/bin/python3 ] && py=/opt/torch/.venv/bin/python3
  if ! LD_LIBRARY_PATH=$orig_ld_path "$py" -c 'import torch, torchvision' >/dev/null 2>&1; then
    have_torch=0
    bench_note="PyTorch (torch, torchvision) is not importable with $py: no PyTorch column"
    echo "gpu-check: $bench_note" >&2
  fi
  # Convolutions on cuDNN where this build and machine have it (an error,
  # not a quiet fallback, if it then fails to load); the JSON's
  # "convolutions" and each result's "conv_path" say what ran.
  local -a conv_flag=()
  [ "$require_cudnn" -eq 1 ] && conv_flag=(--conv-path cudnn)
  # One of our benches: OUT NAME [VAR=VALUE ...] -- [bench arguments];
  # its JSON into OUT, its messages and the JSON into the log.
  bench_ours () {
    local out=$1 name=$2 rc
    local -a envs=()
    shift 2
    while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    echo "== ${envs[*]+${envs[*]} }fathom-cli bench --device cuda --json $*" >> "$log"
    env ${envs[@]+"${envs[@]}"} timeout "$step_timeout" "$bundle/bin/fathom-cli" bench --device cuda --json \
      "$@" > "$out" 2>> "$log"
    rc=$?
    cat "$out" >> "$log"
    echo "== fathom-cli bench ($name) exit status $rc ($SECONDS s since the start)" >> "$log"
    echo >> "$log"
    [ "$rc" -eq 0 ] || status=1
    bench_status="${bench_status:+$bench_status, }$name exit $rc"
  }
  # The same workloads in PyTorch: OUT NAME [bench-torch.py arguments]. A
  # failure is noted, not failed: only our own bench fails the check.
  bench_torch () {
    local out=$1 name=$2 rc
    shift 2
    echo "== bench-torch.py $* ($py)" >> "$log"
    LD_LIBRARY_PATH=$orig_ld_path timeout "$step_timeout" "$py" "$here/build-aux/bench-torch.py" "$@" \
      > "$out" 2>> "$log"
    rc=$?
    cat "$out" >> "$log"
    echo "== bench-torch.py ($name) exit status $rc ($SECONDS s since the start)" >> "$log"
    echo >> "$log"
    [ "$rc" -eq 0 ] || bench_note="${bench_note:+$bench_note; }bench-torch.py ($name) exit status $rc"
  }

  for prec in fp32 tf32; do
    local -a flag=()
    [ "$prec" = tf32 ] && flag=(--tf32)
    # cuDNN's algorithm for each convolution (G_MESSAGES_DEBUG) and, after
    # the timing, where an iteration's time goes layer by layer
    # (--profile) go to the log.
    bench_ours "$logdir/bench-fathom-$prec.json" "$prec" G_MESSAGES_DEBUG=all -- --profile 5 \
      ${flag[@]+"${flag[@]}"} ${conv_flag[@]+"${conv_flag[@]}"}
    [ "$have_torch" -eq 1 ] && bench_torch "$logdir/bench-torch-$prec.json" "$prec" ${flag[@]+"${flag[@]}"}
    compare_args+=(--compare "$logdir/bench-fathom-$prec.json" "$logdir/bench-torch-$prec.json")
    tuned_args+=(--compare "$logdir/bench-fathom-$prec.json" "$logdir/bench-torch-$prec-tuned.json")
    heuristic_args+=(--compare "$logdir/bench-fathom-$prec-heuristic.json" "$logdir/bench-torch-$prec.json")
    eager_args+=(--compare "$logdir/bench-fathom-$prec-eager.json" "$logdir/bench-torch-$prec.json")
    # The extras (GPU_CHECK_BENCH_EXTRAS=0 leaves them out, for a short
    # run): PyTorch with cudnn.benchmark, cuDNN's algorithms timed as ours
    # are by default; ours with cuDNN's heuristics choosing (nothing
    # timed), beside PyTorch's default, which does the same; and every
    # workload once more without CUDA graphs, as PyTorch's run (each
    # result's "graph" says which ran: true is a captured step or
    # inference pass replayed, false an eager one, with "graph_reason").
    [ "$extras" -eq 1 ] || continue
    [ "$have_torch" -eq 1 ] && bench_torch "$logdir/bench-torch-$prec-tuned.json" "$prec, cudnn.benchmark" \
      --cudnn-benchmark ${flag[@]+"${flag[@]}"}
    bench_ours "$logdir/bench-fathom-$prec-heuristic.json" "$prec heuristic" FATHOM_CUDNN_SEARCH=heuristic -- \
      --workload vgg16-features,fcn-step,resnet50-features ${flag[@]+"${flag[@]}"} ${conv_flag[@]+"${conv_flag[@]}"}
    bench_ours "$logdir/bench-fathom-$prec-eager.json" "$prec eager" FATHOM_CUDA_GRAPHS=0 -- \
      --workload all ${flag[@]+"${flag[@]}"} ${conv_flag[@]+"${conv_flag[@]}"}
  done

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
    printf '%-18s %s\n' "memcheck" "$memcheck_note"
    printf '%-18s %s\n' "cuDNN" "$cudnn_note"
    printf '%-18s %s\n' "convolutions" "$(grep -m1 'convolutions:' "$check" | sed 's/^cuda convolutions: //')"
    printf '%-18s %s\n' "fathom-cli check" "$ops (exit $check_rc)"
    grep -E 'FAIL|error:|worst:' "$check" | sed 's/^/                   /' || true
    printf '%-18s %s\n' "check, own conv" "$(tail -1 "$check_own") (FATHOM_CUDNN=0, exit $check_own_rc)"
    grep -E 'FAIL|error:|worst:' "$check_own" | sed 's/^/                   /' || true
    printf '%-18s %s\n' "fathom-cli bench" "$bench_status"
    printf '%-18s %s\n' "bench json" "$logdir/bench-{fathom,torch}-{fp32,tf32}.json, bench-fathom-{fp32,tf32}-{eager,heuristic}.json, bench-torch-{fp32,tf32}-tuned.json"
    printf '%-18s %s\n' "graphs" "$(graph_summary "$logdir/bench-fathom-fp32.json")"
    [ -z "$bench_note" ] || printf '%-18s %s\n' "bench note" "$bench_note"
    printf '%-18s %s\n' "log" "$log"
    printf '%-18s %s\n' "result" "$([ $status -eq 0 ] && echo PASS || echo FAIL)"
    echo
    echo "== benchmark: throughput, median of timed runs after warm-up; ratio = ours / PyTorch"
    # The comparison needs Python but not torch; any Python will do.
    local cmp_py=$py
    LD_LIBRARY_PATH=$orig_ld_path "$cmp_py" -c '' >/dev/null 2>&1 || cmp_py=python3
    LD_LIBRARY_PATH=$orig_ld_path "$cmp_py" "$here/build-aux/bench-torch.py" "${compare_args[@]}" 2>&1 \
      || echo "(no Python to print the ratio table; see the bench-*.json files)"
    echo
    echo "== the same, PyTorch with cudnn.benchmark (its algorithms timed, as ours are)"
    LD_LIBRARY_PATH=$orig_ld_path "$cmp_py" "$here/build-aux/bench-torch.py" "${tuned_args[@]}" 2>&1 \
      || echo "(no Python to print the ratio table; see the bench-*-tuned.json files)"
    echo
    echo "== ours with cuDNN's heuristics (FATHOM_CUDNN_SEARCH=heuristic) beside PyTorch's default, which uses them too"
    LD_LIBRARY_PATH=$orig_ld_path "$cmp_py" "$here/build-aux/bench-torch.py" "${heuristic_args[@]}" 2>&1 \
      || echo "(no Python to print the ratio table; see the bench-*-heuristic.json files)"
    echo
    echo "== training steps without CUDA graphs (FATHOM_CUDA_GRAPHS=0): eager; ratio = ours / PyTorch"
    LD_LIBRARY_PATH=$orig_ld_path "$cmp_py" "$here/build-aux/bench-torch.py" "${eager_args[@]}" 2>&1 \
      || echo "(no Python to print the ratio table; see the bench-*-eager.json files)"
  } | tee -a "$log"
  return $status
}

case "$mode" in
  build) do_build ;;
  run) shift || true; do_run "${1:-}" ;;
  *) echo "usage: $0 [build | run [LOGDIR]]" >&2; exit 2 ;;
esac
