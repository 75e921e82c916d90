#!/bin/sh
# llama.cpp for `pnpm bench`'s peer on a machine that cannot clone or build it (its GitHub history
# is too large to fetch here): Debian unstable's packaged build, unpacked into DIR without being
# installed, with its own C library (it needs a newer glibc than Debian 12 has), laid out as the peer
# expects a checkout: DIR/build/bin/llama-bench and DIR/gguf-py (the GGUF writer library).
#
#     sh benchmarks/peers/llama_cpp_debian.sh /tmp/llama.cpp
#     MIXDISTILL_LLAMA_CPP=/tmp/llama.cpp pnpm bench
#
# Debian builds ggml's CPU backend once per x86 generation (haswell, skylakex, zen4, ...) and loads
# the best at run time from a fixed system folder; llama-bench here loads one named by
# GGML_BACKEND_PATH instead: the variant for MIXDISTILL_ISA when it forces a table (avx2: haswell,
# avx512: skylakex, generic: x64), else the best this CPU runs, so both sides use the same
# instructions. Needs apt-get and dpkg (Debian or Ubuntu) and the Debian mirror; about 15 MB.
set -eu

DIR=${1:?usage: llama_cpp_debian.sh DIR}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
APT_DIR="$DIR/apt"
mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial" "$DIR/debs"
echo 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian sid main' \
  >"$APT_DIR/sources.list"
apt_get() {
  apt-get -q -o Dir::Etc::sourcelist="$APT_DIR/sources.list" -o Dir::Etc::sourceparts=- \
    -o Dir::State::Lists="$APT_DIR/lists" -o Dir::Cache="$APT_DIR/cache" -o APT::Sandbox::User=root "$@"
}
apt_get update
(cd "$DIR/debs" && apt_get download llama.cpp-tools libllama0 libggml0 python3-gguf \
  libc6 libstdc++6 libgcc-s1 libgomp1 libssl3t64)
for deb in "$DIR"/debs/*.deb; do dpkg -x "$deb" "$DIR/root"; done

LIB="$DIR/root/usr/lib/x86_64-linux-gnu"
mkdir -p "$DIR/build/bin"
cat >"$DIR/build/bin/llama-bench" <<EOF
#!/bin/sh
# Debian unstable's llama-bench with its own glibc (written by benchmarks/peers/llama_cpp_debian.sh).
LIB="$LIB"
case "\${MIXDISTILL_ISA:-}" in
  avx2) variant=haswell ;;
  avx512) variant=skylakex ;;
  generic) variant=x64 ;;
  *)
    flags=\$(grep -m1 '^flags' /proc/cpuinfo)
    case "\$flags" in
      *avx512_bf16*) variant=zen4 ;;
      *avx512f*) variant=skylakex ;;
      *avx2*) variant=haswell ;;
      *) variant=x64 ;;
    esac ;;
esac
GGML_BACKEND_PATH="\$LIB/ggml/backends0/libggml-cpu-\$variant.so" \\
  exec "\$LIB/ld-linux-x86-64.so.2" --library-path "\$LIB:\$LIB/llama" "$DIR/root/usr/bin/llama-bench" "\$@"
EOF
chmod +x "$DIR/build/bin/llama-bench"
ln -sfn "$DIR/root/usr/lib/python3/dist-packages" "$DIR/gguf-py"
"$DIR/build/bin/llama-bench" --help >/dev/null 2>&1 || {
  echo "llama_cpp_debian.sh: $DIR/build/bin/llama-bench does not run" >&2
  exit 1
}
echo "llama.cpp (Debian $(dpkg-deb -f "$DIR"/debs/llama.cpp-tools_*.deb Version)) in $DIR: MIXDISTILL_LLAMA_CPP=$DIR pnpm bench"
