#!/usr/bin/env bash
# Pack `npm run bench gpu` for a Linux x86-64 GPU machine that has no network and no Node.js:
#   bench/gpu-offline-pack.sh <dir>     (after npm ci, on a machine with the repository)
# writes <dir>/ct-audit-gpu-bench.tar.xz (this machine's node binary; the benchmark and the engine bundled
# by esbuild; the tfjs wasm binaries; node_modules/webgpu with dawn.node for linux-x64 only; libvulkan1's
# and glvnd .debs) and <dir>/run.sh, about 30 MB together. On the GPU machine:
#   <dir>/run.sh [VAR=value ...]        e.g. <dir>/run.sh CT_AUDIT_BENCH_GPU_SIZES=256
# run.sh unpacks into /tmp/ct-audit-gpu-bench, installs the Vulkan loader if the system has none, points
# Vulkan at NVIDIA's ICD when the driver's folder has one and nothing else is set, prints the GPU, and runs
# the benchmark with the variables given. On a machine with Node.js and the repository none of this is
# needed: `npm ci && npm run bench gpu`.
set -euo pipefail
out=${1:?usage: bench/gpu-offline-pack.sh <dir>}
root=$(cd "$(dirname "$0")/.." && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
# CommonJS globals that tfjs's Node builds use, for the ESM bundle.
banner="import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url';
const require = __cr(import.meta.url); const __filename = __fu(import.meta.url);
const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));"
mkdir -p "$stage/bench/node_modules/webgpu/dist/linux-x64" "$stage/bench/node_modules/@tensorflow/tfjs-backend-wasm"
"$root/node_modules/.bin/esbuild" "$root/bench/gpu-offline-entry.ts" --bundle --platform=node --format=esm \
  --target=node20 --tsconfig="$root/tsconfig.node.json" --external:webgpu --log-level=warning \
  --banner:js="$banner" \
  --outfile="$stage/bench/gpu-bench.mjs"
# tfjs-backend-wasm looks for its .wasm files next to the code that loads them (here: the bundle), and the
# engine resolves the threaded build's script by package path (backend/wasm-kernels/threads.ts).
cp "$root"/node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm "$stage/bench/"
cp -r "$root"/node_modules/@tensorflow/tfjs-backend-wasm/{package.json,wasm-out} \
  "$stage/bench/node_modules/@tensorflow/tfjs-backend-wasm/"
cp "$root"/node_modules/webgpu/{index.js,package.json,LICENSE.md} "$stage/bench/node_modules/webgpu/"
cp "$root"/node_modules/webgpu/dist/linux-x64/dawn.node "$stage/bench/node_modules/webgpu/dist/linux-x64/"
mkdir -p "$stage/bin"
cp "$(readlink -f "$(command -v node)")" "$stage/bin/node"
# The Vulkan loader, and glvnd's libraries: NVIDIA's Vulkan driver is libGLX_nvidia.so.0, which needs
# libGLdispatch (seen on an H200 machine whose image had neither).
(cd "$stage" && apt-get download libvulkan1 libglvnd0 libglx0 libgl1 libegl1 libopengl0 libgles2 >/dev/null 2>&1) ||
  echo "note: the Vulkan loader .debs were not downloaded (apt-get download failed)"
mkdir -p "$out"
tar -C "$stage" -cf - . | xz -T0 -6 >"$out/ct-audit-gpu-bench.tar.xz"
cat >"$out/run.sh" <<'EOF'
#!/usr/bin/env bash
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=/tmp/ct-audit-gpu-bench
[ -x "$dir/bin/node" ] || { mkdir -p "$dir" && xz -dc "$here/ct-audit-gpu-bench.tar.xz" | tar -C "$dir" -xf -; }
if ! ldconfig -p | grep -q 'libvulkan\.so\.1' || ! ldconfig -p | grep -q 'libGLdispatch\.so\.0'; then
  for f in "$dir"/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ] && [ -f "$icd" ]; then export VK_DRIVER_FILES=$icd; fi
if command -v nvidia-smi >/dev/null; then nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true; fi
for kv in "$@"; do export "${kv?}"; done
cd "$dir/bench" && "$dir/bin/node" gpu-bench.mjs
EOF
chmod +x "$out/run.sh"
du -sh "$out"
