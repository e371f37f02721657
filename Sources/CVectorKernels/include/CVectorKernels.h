// Hand-vectorised kernels, for the instruction set the caller names (the best this CPU has, from
// takeoff_best_isa, or a lesser one to test): products of shapes OpenBLAS serves poorly, Winograd's tile
// transforms, the optimizer's update. Swift builds for baseline x86-64, so these carry the wide code.
#ifndef TAKEOFF_CVECTORKERNELS_H
#define TAKEOFF_CVECTORKERNELS_H

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

/// dst[a][b][t] = Σ_{i,j} m[a][i] · src[i][j][t] · m[b][j] for t < count: the 2-D transform M X Mᵀ of `count`
/// small tiles at once, m [rows, cols] row-major. src row (i, j) starts at src + (i·cols + j)·src_stride,
/// dst row (a, b) at dst + (a·rows + b)·dst_stride; tmp holds rows·cols·count floats.
void takeoff_tile_transform(takeoff_isa isa, const float *m, size_t rows, size_t cols, const float *src, size_t src_stride,
                            float *dst, size_t dst_stride, size_t count, float *tmp);

/// The size×size tiles of a plane [height, width] whose corners lie `step` apart, `rows` × `cols` of them:
/// tiles[(a·size + b)·stride + ti·cols + tj] = plane[(ti·step + a)·width + tj·step + b], 0 past the plane's edge.
void takeoff_tiles_from_plane(takeoff_isa isa, const float *plane, size_t height, size_t width, size_t rows, size_t cols,
                              size_t size, size_t step, float *tiles, size_t stride);

/// The adjoint of takeoff_tiles_from_plane where `add` is nonzero (overlapping tiles add up); where it is 0, writes each
/// tile entry to its pixel. Entries past the plane's edge are dropped.
void takeoff_tiles_into_plane(takeoff_isa isa, const float *tiles, size_t stride, size_t rows, size_t cols, size_t size,
                              size_t step, float *plane, size_t height, size_t width, int add);

/// Whether this CPU multiplies bfloat16 natively (AVX-512 BF16, `vdpbf16ps`): 1 or 0.
int takeoff_cpu_has_bf16(void);

/// Rounds each of `count` floats to the nearest bfloat16 (8 significant bits, ties to even), in place, keeping it
/// as a float: the operands a bfloat16 product multiplies. Infinities stay; NaN stays NaN (quiet).
void takeoff_round_bf16(float *x, size_t count);

/// One Adam step over `count` parameters, lane by lane in IEEE single precision with no fused multiply-add,
/// so every instruction set gives the same bits:
///   grad = g + grad_decay·w;  m = b1·m + (1 − b1)·grad;  v = b2·v + (1 − b2)·grad·grad;
///   w = w − weight_decay·w − step_size·m / (√v / root_c2 + eps).
/// `step_size` is the learning rate over the first moment's bias correction, `root_c2` the square root of the
/// second's; L2 decay passes grad_decay, decoupled decay (AdamW) weight_decay = learning rate × decay.
void takeoff_adam(takeoff_isa isa, float *w, const float *g, float *m, float *v, size_t count, float b1, float b2, float eps,
                  float step_size, float root_c2, float grad_decay, float weight_decay);

#endif
