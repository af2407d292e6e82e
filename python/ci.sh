#!/usr/bin/env bash
# Python package CI: builds the spamsplice wheel (maturin, abi3), installs it
# with its test dependencies in a virtualenv, and runs the pytest suite
# (API, datatrove step, Spark stage). Exits non-zero on any failure.
#
#   bash python/ci.sh                 (from anywhere; called by .ci/run)
#
# Environment: SPAMSPLICE_VENV (default ~/.cache/spamsplice/venv, reused
# between runs), PYTHON (interpreter for the venv, default python3),
# SPAMSPLICE_WHEEL_DIR (default generated/wheels). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=${SPAMSPLICE_VENV:-$HOME/.cache/spamsplice/venv}
WHEELS=${SPAMSPLICE_WHEEL_DIR:-$ROOT/generated/wheels}
start=$SECONDS
step() { echo "== python/ci.sh: $* ($((SECONDS - start))s)"; }

# Spark needs a JVM
if ! java -version >/dev/null 2>&1; then
  step "installing Java"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null
fi

if [ ! -x "$VENV/bin/python" ]; then
  step "creating $VENV"
  "${PYTHON:-python3}" -m venv "$VENV"
fi
step "test dependencies"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check "maturin>=1.5,<2" "pytest>=7" "datatrove>=0.4" orjson "pyspark>=3.5"

step "building the wheel"
mkdir -p "$WHEELS"
rm -f "$WHEELS"/spamsplice-*.whl
CARGO_TARGET_DIR="$ROOT/python/target" "$VENV/bin/maturin" build --release --locked -q \
  -m python/Cargo.toml -i "$VENV/bin/python" -o "$WHEELS"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$WHEELS"/spamsplice-*.whl

step "building the CLI to compare with"
cargo build --release --quiet --bin spamsplice
export SPAMSPLICE_CLI="$ROOT/target/release/spamsplice"

step "pytest"
cd "$ROOT/python"
# the pytest script, not `python -m pytest`: the source folder python/spamsplice
# must not shadow the installed wheel
"$VENV/bin/pytest" -p no:cacheprovider -q tests "$@"
step "done"
