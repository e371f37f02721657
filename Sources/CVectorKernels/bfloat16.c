// takeoff_round_bf16 of CVectorKernels.h: float32 → bfloat16 → float32 in place, on the bits, so the compiler
// vectorises the loop for any instruction set and every path gives the same result.
#include "CVectorKernels.h"
#include <stdint.h>
#include <string.h>

void takeoff_round_bf16(float *x, size_t count) {
    for (size_t i = 0; i < count; i++) {
        uint32_t bits;
        memcpy(&bits, &x[i], sizeof bits);
        const int nan = (bits & 0x7fffffffu) > 0x7f800000u;
        // Round to nearest, ties to even: add 0x7fff plus the lowest bit that stays, then drop the low 16 bits.
        const uint32_t rounded = (bits + 0x7fffu + ((bits >> 16) & 1u)) & 0xffff0000u;
        bits = nan ? (bits | 0x00400000u) & 0xffff0000u : rounded;
        memcpy(&x[i], &bits, sizeof bits);
    }
}
