"""Compiles CUDA C kernel sources to a host shared library, for the CUDA emulator (fakecuda.c).

Usage: python3 kernelgen.py SOURCE.cu OUTPUT.so
Each `extern "C" __global__` kernel becomes a plain C++ function, plus a launcher
`__launch_NAME(blocks, threads, params)` that runs every thread of every block one after another with the
parameters cuLaunchKernel received. A kernel that meets at __syncthreads() runs with one thread per block (its
loops then stride by 1, and its shared-memory tree has nothing to do); with FAKECUDA_BARRIERS=1 it runs each
block's threads as real threads meeting at a barrier instead, which exercises the tree as a GPU would (slowly).
"""
import os
import re
import subprocess
import sys

PRELUDE = r"""
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <pthread.h>
#include <thread>
#include <vector>
struct EmulatedIndex { unsigned x, y, z; };
static EmulatedIndex blockIdx, blockDim, gridDim;
static thread_local EmulatedIndex threadIdx;
static pthread_barrier_t emulatedBarrier;
static bool emulatedBarrierActive = false;
#define __global__
#define __shared__ static
#define __syncthreads() (emulatedBarrierActive ? pthread_barrier_wait(&emulatedBarrier) : 0)
#define __restrict__
static inline long long min(long long a, long long b) { return a < b ? a : b; }
static inline long long max(long long a, long long b) { return a > b ? a : b; }
static inline float atomicAdd(float* address, float value) { float old = *address; *address = old + value; return old; }
#line 1 "kernel.cu"
"""

KERNEL = re.compile(r'extern\s+"C"\s+__global__\s+void\s+(\w+)\s*\(([^)]*)\)', re.S)


def parameter_types(params):
    types = []
    for p in params.split(","):
        p = " ".join(p.split())
        if not p:
            continue
        name = re.search(r"(\w+)\s*$", p).group(1)
        types.append(p[: len(p) - len(name)].strip())
    return types


def main():
    source_path, output = sys.argv[1], sys.argv[2]
    source = open(source_path).read()
    launchers = []
    kernels = list(KERNEL.finditer(source))
    for k, m in enumerate(kernels):
        name, types = m.group(1), parameter_types(m.group(2))
        arguments = ", ".join(f"*({t}*)params[{i}]" for i, t in enumerate(types))
        body = source[m.end():kernels[k + 1].start() if k + 1 < len(kernels) else len(source)]
        if "__syncthreads" in body:
            run_block = f"""
        if (!getenv("FAKECUDA_BARRIERS")) {{ blockDim.x = 1; threadIdx.x = 0; {name}({arguments}); continue; }}
        pthread_barrier_init(&emulatedBarrier, nullptr, threads);
        emulatedBarrierActive = true;
        std::vector<std::thread> pool;
        for (unsigned t = 0; t < threads; ++t) pool.emplace_back([&, t] {{ threadIdx.x = t; {name}({arguments}); }});
        for (auto& th : pool) th.join();
        pthread_barrier_destroy(&emulatedBarrier);
        emulatedBarrierActive = false;"""
        else:
            run_block = f"""
        for (unsigned t = 0; t < threads; ++t) {{ threadIdx.x = t; {name}({arguments}); }}"""
        launchers.append(f"""
extern "C" void __launch_{name}(unsigned blocks, unsigned threads, void** params) {{
    gridDim.x = blocks;
    for (unsigned b = 0; b < blocks; ++b) {{
        blockIdx.x = b; blockDim.x = threads;{run_block}
    }}
}}""")
    cpp = output + ".cpp"
    with open(cpp, "w") as f:
        f.write(PRELUDE + source + "\n" + "\n".join(launchers) + "\n")
    done = subprocess.run(["c++", "-std=c++17", "-O1", "-shared", "-fPIC", "-pthread", "-Wno-unused", "-o", output, cpp],
                          capture_output=True, text=True)
    sys.stderr.write(done.stderr)
    if done.returncode == 0:
        os.remove(cpp)  # kept on failure, for the compiler's line numbers
    sys.exit(done.returncode)


if __name__ == "__main__":
    main()
