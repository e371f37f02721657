// takeoff_best_isa of CVectorKernels.h.
#include "CVectorKernels.h"

takeoff_isa takeoff_best_isa(void) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512f")) return TAKEOFF_ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return TAKEOFF_ISA_AVX2;
#endif
    return TAKEOFF_ISA_GENERIC;
}

int takeoff_cpu_has_bf16(void) {
#if defined(__x86_64__)
    return __builtin_cpu_supports("avx512bf16");
#else
    return 0;
#endif
}
