#!/usr/bin/env bash
# One takeoff binary for a Linux machine without a Swift toolchain (a GPU server, say): the Swift runtime
# and Foundation linked statically, and the C libraries it links (OpenBLAS with its Fortran runtime,
# SQLite, zlib) copied into lib/ beside it, found through an $ORIGIN rpath. CUDA needs nothing here: the
# driver, cuBLAS and NVRTC are loaded at run time on the target machine.
#
# Usage: scripts/build-portable.sh [--with-data]   → .portable/ and .portable.tar.xz
#   --with-data also packs Fashion-MNIST (set TAKEOFF_FASHION_MNIST=.portable/fashion-mnist there).
set -euo pipefail
cd "$(dirname "$0")/.."
out=.portable
# --disable-new-dtags: an RPATH (not RUNPATH) also serves OpenBLAS's own dependencies (libgfortran).
swift build -c release --scratch-path .build-portable --static-swift-stdlib -Xlinker --disable-new-dtags -Xlinker -rpath -Xlinker '$ORIGIN/lib'
rm -rf "$out"
mkdir -p "$out/lib"
cp .build-portable/release/takeoff "$out/takeoff"
strip "$out/takeoff"
ldd .build-portable/release/takeoff | awk '/=>/ { print $3 }' \
    | grep -E 'libopenblas|libgfortran|libquadmath|libsqlite3|libz\.so' | while read -r lib; do cp -L "$lib" "$out/lib/"; done
if [ "${1:-}" = "--with-data" ]; then
    mkdir -p "$out/fashion-mnist"
    cp /usr/share/datasets/fashion-mnist/*.gz "$out/fashion-mnist/"
fi
tar -cJf .portable.tar.xz "$out"
ls -l "$out" "$out/lib" .portable.tar.xz
"$out/takeoff" --version
