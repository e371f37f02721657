// takeoff_tile_transform of CVectorKernels.h: the small-matrix products of Winograd's tile transforms, each a
// loop over a row of tiles that the compiler vectorises for the instruction set of the wrapper it is inlined in.
#include "CVectorKernels.h"

/// dst[t] = Σ_j c[j] · src[j·stride + t], skipping zero coefficients (the transforms are about half zeros), summed
/// in registers a block of lanes at a time.
#define COMBINE_BLOCKS(block)                                                 \
    for (; t0 + (block) <= count; t0 += (block)) {                            \
        float sum[block] = {0};                                               \
        for (size_t j = 0; j < terms; j++) {                                  \
            const float cj = c[j];                                            \
            if (cj == 0) continue;                                            \
            const float *restrict s = src + j * stride + t0;                  \
            for (size_t t = 0; t < (block); t++) sum[t] += cj * s[t];         \
        }                                                                     \
        for (size_t t = 0; t < (block); t++) dst[t0 + t] = sum[t];            \
    }

static inline __attribute__((always_inline))
void combine(const float *c, size_t terms, const float *restrict src, size_t stride, float *restrict dst, size_t count) {
    size_t t0 = 0;
    COMBINE_BLOCKS(64)
    COMBINE_BLOCKS(16)
    COMBINE_BLOCKS(1)
}

static inline __attribute__((always_inline))
void sandwich(const float *m, size_t rows, size_t cols, const float *restrict src, size_t src_stride,
              float *restrict dst, size_t dst_stride, size_t count, float *restrict tmp) {
    // Down the columns, tmp[a][j] = Σ_i m[a][i] · src[i][j]; then across, dst[a][b] = Σ_j m[b][j] · tmp[a][j].
    for (size_t a = 0; a < rows; a++)
        for (size_t j = 0; j < cols; j++)
            combine(m + a * cols, cols, src + j * src_stride, cols * src_stride, tmp + (a * cols + j) * count, count);
    for (size_t a = 0; a < rows; a++)
        for (size_t b = 0; b < rows; b++)
            combine(m + b * cols, cols, tmp + a * cols * count, count, dst + (a * rows + b) * dst_stride, count);
}

/// The tiles along one axis that start before `limit` (each starts `step` after the one before, `offset` into it).
static inline __attribute__((always_inline))
size_t inside(size_t tiles, size_t offset, size_t step, size_t limit) {
    if (offset >= limit) return 0;
    const size_t n = (limit - offset + step - 1) / step;
    return n < tiles ? n : tiles;
}

/// tiles[(a·size + b)·stride + ti·cols + tj] = plane[(ti·step + a)·width + tj·step + b], or 0 where the pixel lies at or
/// beyond `height` × `width`.
static inline __attribute__((always_inline))
void gather(const float *restrict plane, size_t height, size_t width, size_t rows, size_t cols, size_t size, size_t step,
            float *restrict tiles, size_t stride) {
    for (size_t a = 0; a < size; a++) {
        const size_t rowsIn = inside(rows, a, step, height);
        for (size_t b = 0; b < size; b++) {
            const size_t colsIn = inside(cols, b, step, width);
            float *restrict dst = tiles + (a * size + b) * stride;
            for (size_t ti = 0; ti < rows; ti++) {
                float *restrict out = dst + ti * cols;
                size_t tj = 0;
                if (ti < rowsIn) {
                    const float *restrict row = plane + (ti * step + a) * width + b;
                    for (; tj < colsIn; tj++) out[tj] = row[tj * step];
                }
                for (; tj < cols; tj++) out[tj] = 0;
            }
        }
    }
}

/// The adjoint of gather: adds (or, where `add` is 0, writes) each tile entry into its pixel, skipping those beyond
/// `height` × `width`.
static inline __attribute__((always_inline))
void scatter(const float *restrict tiles, size_t stride, size_t rows, size_t cols, size_t size, size_t step,
             float *restrict plane, size_t height, size_t width, int add) {
    for (size_t a = 0; a < size; a++) {
        const size_t rowsIn = inside(rows, a, step, height);
        for (size_t b = 0; b < size; b++) {
            const size_t colsIn = inside(cols, b, step, width);
            const float *restrict src = tiles + (a * size + b) * stride;
            for (size_t ti = 0; ti < rowsIn; ti++) {
                float *restrict row = plane + (ti * step + a) * width + b;
                const float *restrict in = src + ti * cols;
                if (add) for (size_t tj = 0; tj < colsIn; tj++) row[tj * step] += in[tj];
                else for (size_t tj = 0; tj < colsIn; tj++) row[tj * step] = in[tj];
            }
        }
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

// Planes up to 32 wide with up to 16 tiles across: a row is two registers, and a row of tiles one permute of them.

/// The lanes below `n` (at most 16).
static inline __mmask16 lanes(size_t n) { return (__mmask16)((1u << n) - 1); }

__attribute__((target("avx512f")))
static void gather512(const float *plane, size_t height, size_t width, size_t rows, size_t cols, size_t size, size_t step,
                      float *tiles, size_t stride) {
    if (width > 32 || cols > 16 || size > 16) { gather(plane, height, width, rows, cols, size, step, tiles, stride); return; }
    const __m512i lane = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    const __mmask16 loWidth = lanes(width < 16 ? width : 16), hiWidth = lanes(width > 16 ? width - 16 : 0);
    for (size_t ti = 0; ti < rows; ti++)
        for (size_t a = 0; a < size; a++) {
            const size_t y = ti * step + a;
            __m512 lo = _mm512_setzero_ps(), hi = lo;
            if (y < height) {
                lo = _mm512_maskz_loadu_ps(loWidth, plane + y * width);
                hi = _mm512_maskz_loadu_ps(hiWidth, plane + y * width + 16);
            }
            for (size_t b = 0; b < size; b++) {
                // Lane tj takes pixel tj·step + b; lanes of tiles past the edge read 0.
                const __m512i index = _mm512_add_epi32(_mm512_mullo_epi32(lane, _mm512_set1_epi32((int)step)), _mm512_set1_epi32((int)b));
                const __m512 v = _mm512_maskz_permutex2var_ps(lanes(inside(cols, b, step, width)), lo, index, hi);
                _mm512_mask_storeu_ps(tiles + (a * size + b) * stride + ti * cols, lanes(cols), v);
            }
        }
}

__attribute__((target("avx512f")))
static void scatter512(const float *tiles, size_t stride, size_t rows, size_t cols, size_t size, size_t step,
                       float *plane, size_t height, size_t width, int add) {
    if (width > 32 || cols > 16 || size > 16 || rows * step < height || cols * step < width) {
        scatter(tiles, stride, rows, cols, size, step, plane, height, width, add);
        return;
    }
    // For column b of a tile: pixel x of the row takes tile tj where x = tj·step + b (lanes `from`, selected by `hit`).
    __m512i fromLo[16], fromHi[16];
    __mmask16 hitLo[16], hitHi[16], valid[16];
    for (size_t b = 0; b < size; b++) {
        int lo[16] = {0}, hi[16] = {0};
        hitLo[b] = hitHi[b] = 0;
        valid[b] = lanes(inside(cols, b, step, width));
        for (size_t tj = 0; tj < cols; tj++) {
            const size_t x = tj * step + b;
            if (x < 16) { lo[x] = (int)tj; hitLo[b] |= (__mmask16)(1u << x); }
            else if (x < 32) { hi[x - 16] = (int)tj; hitHi[b] |= (__mmask16)(1u << (x - 16)); }
        }
        fromLo[b] = _mm512_loadu_si512(lo);
        fromHi[b] = _mm512_loadu_si512(hi);
    }
    const __mmask16 loWidth = lanes(width < 16 ? width : 16), hiWidth = lanes(width > 16 ? width - 16 : 0);
    for (size_t y = 0; y < height; y++) {
        float *row = plane + y * width;
        __m512 lo = _mm512_setzero_ps(), hi = lo;
        if (add) { lo = _mm512_maskz_loadu_ps(loWidth, row); hi = _mm512_maskz_loadu_ps(hiWidth, row + 16); }
        // Every tile row ti that holds image row y, as its row a = y − ti·step.
        for (size_t ti = y / step + 1; ti-- > 0;) {
            const size_t a = y - ti * step;
            if (a >= size) break;
            if (ti >= rows) continue;
            for (size_t b = 0; b < size; b++) {
                const __m512 v = _mm512_maskz_loadu_ps(valid[b], tiles + (a * size + b) * stride + ti * cols);
                lo = _mm512_add_ps(lo, _mm512_maskz_permutexvar_ps(hitLo[b], fromLo[b], v));
                hi = _mm512_add_ps(hi, _mm512_maskz_permutexvar_ps(hitHi[b], fromHi[b], v));
            }
        }
        _mm512_mask_storeu_ps(row, loWidth, lo);
        _mm512_mask_storeu_ps(row + 16, hiWidth, hi);
    }
}

__attribute__((target("avx512f")))
static void sandwich512(const float *m, size_t rows, size_t cols, const float *src, size_t src_stride,
                        float *dst, size_t dst_stride, size_t count, float *tmp) {
    sandwich(m, rows, cols, src, src_stride, dst, dst_stride, count, tmp);
}

__attribute__((target("avx2,fma")))
static void sandwich256(const float *m, size_t rows, size_t cols, const float *src, size_t src_stride,
                        float *dst, size_t dst_stride, size_t count, float *tmp) {
    sandwich(m, rows, cols, src, src_stride, dst, dst_stride, count, tmp);
}
#endif

void takeoff_tile_transform(takeoff_isa isa, const float *m, size_t rows, size_t cols, const float *src, size_t src_stride,
                            float *dst, size_t dst_stride, size_t count, float *tmp) {
    switch (isa) {
#if defined(__x86_64__)
    case TAKEOFF_ISA_AVX512: sandwich512(m, rows, cols, src, src_stride, dst, dst_stride, count, tmp); break;
    case TAKEOFF_ISA_AVX2: sandwich256(m, rows, cols, src, src_stride, dst, dst_stride, count, tmp); break;
#endif
    default: sandwich(m, rows, cols, src, src_stride, dst, dst_stride, count, tmp);
    }
}

void takeoff_tiles_from_plane(takeoff_isa isa, const float *plane, size_t height, size_t width, size_t rows, size_t cols,
                              size_t size, size_t step, float *tiles, size_t stride) {
#if defined(__x86_64__)
    if (isa == TAKEOFF_ISA_AVX512) { gather512(plane, height, width, rows, cols, size, step, tiles, stride); return; }
#endif
    gather(plane, height, width, rows, cols, size, step, tiles, stride);
}

void takeoff_tiles_into_plane(takeoff_isa isa, const float *tiles, size_t stride, size_t rows, size_t cols, size_t size,
                              size_t step, float *plane, size_t height, size_t width, int add) {
#if defined(__x86_64__)
    if (isa == TAKEOFF_ISA_AVX512) { scatter512(tiles, stride, rows, cols, size, step, plane, height, width, add); return; }
#endif
    scatter(tiles, stride, rows, cols, size, step, plane, height, width, add);
}
