#!/usr/bin/env bash
# Interop test driver: generates a Python gRPC client from the .proto at test time (protoc +
# grpc_python_plugin, Debian packages protobuf-compiler-grpc, python3-grpcio, python3-protobuf)
# and runs python_client.py against a coordinator started with fedpilot-cli.
#   run_python_client.sh FEDPILOT_CLI PROTO_DIR [PROTOC] [GRPC_PYTHON_PLUGIN]
# Exit 77 (ctest SKIP_RETURN_CODE) when a prerequisite is missing. Everything is written into a
# temporary folder that is removed at the end (kept with FEDPILOT_INTEROP_KEEP=1).
set -euo pipefail

cli=${1:?usage: run_python_client.sh FEDPILOT_CLI PROTO_DIR [PROTOC] [GRPC_PYTHON_PLUGIN]}
proto_dir=${2:?proto folder missing}
protoc=${3:-}
plugin=${4:-}
[[ -n "$protoc" ]] || protoc=$(command -v protoc || true)
[[ -n "$plugin" ]] || plugin=/usr/bin/grpc_python_plugin
# Debian's interpreter: the grpc and protobuf modules are Debian packages, not pip ones.
python=${FEDPILOT_INTEROP_PYTHON:-/usr/bin/python3}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

skip() { echo "SKIP: $*"; exit 77; }
[[ -x "$python" ]] || skip "$python not found"
"$python" -c 'import grpc, google.protobuf' 2>/dev/null \
  || skip "$python lacks grpc or protobuf (Debian: apt-get install python3-grpcio python3-protobuf)"
[[ -n "$protoc" && -x "$protoc" ]] || skip "protoc not found (Debian: protobuf-compiler)"
[[ -x "$plugin" ]] || skip "$plugin not found (Debian: protobuf-compiler-grpc)"
command -v openssl >/dev/null || skip "openssl command not found (Debian: openssl)"
[[ -x "$cli" ]] || { echo "FAIL: $cli is not built"; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/fedpilot-interop.XXXXXX")
cleanup() {
  if [[ "${FEDPILOT_INTEROP_KEEP:-0}" == 1 ]]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# The client is generated from the contract alone, exactly as a foreign site would do it.
mkdir -p "$work/gen"
"$protoc" --proto_path="$proto_dir" --python_out="$work/gen" \
  --grpc_out="$work/gen" --plugin=protoc-gen-grpc="$plugin" fedpilot/v1/federation.proto
echo "generated: $(cd "$work/gen" && find . -name '*.py' | sort | tr '\n' ' ')"

# Not exec: the trap must still remove the folder. python_client.py stops the coordinator itself.
status=0
"$python" "$here/python_client.py" --cli "$cli" --gen "$work/gen" --work "$work" || status=$?
exit "$status"
