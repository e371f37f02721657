// Hand-vectorised kernels for shapes OpenBLAS serves poorly, for the instruction set the caller names
// (the best this CPU has, from takeoff_best_isa, or a lesser one to test). Swift builds for baseline
// x86-64, so these carry the wide code.
#ifndef TAKEOFF_CNARROWPRODUCTS_H
#define TAKEOFF_CNARROWPRODUCTS_H

#include <stddef.h>

typedef enum { TAKEOFF_ISA_GENERIC = 0, TAKEOFF_ISA_AVX2 = 1, TAKEOFF_ISA_AVX512 = 2 } takeoff_isa;

/// The widest instruction set this CPU runs: AVX-512, AVX2 with FMA, or plain C.
takeoff_isa takeoff_best_isa(void);

/// out[i, 0..<16] = x[i, :] · w for `rows` rows of x ([rows, d], row-major) and w [d, 16] (a matrix of
/// at most 16 columns, zero-padded to 16): a product whose narrow side makes OpenBLAS spend its time
/// packing x.
void takeoff_narrow_product(takeoff_isa isa, const float *x, size_t rows, size_t d, const float *w, float *out);

/// g[j, 0..<16] += Σ_i x[i, j] · r[i, 0..<16] for `rows` rows of x ([rows, d]) and r [rows, 16]:
/// the transpose product of the same shapes, accumulated.
void takeoff_narrow_transpose_product(takeoff_isa isa, const float *x, size_t rows, size_t d, const float *r, float *g);

#endif
