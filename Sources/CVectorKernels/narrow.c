// The narrow products of CVectorKernels.h: 16 output lanes per row, one vector register wide in AVX-512
// (two in AVX2). Four rows share each load of w (or of g), which keeps the FMA units fed.
#include "CVectorKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#if defined(__x86_64__)

// ---- AVX-512 --------------------------------------------------------------------------------------

__attribute__((target("avx512f")))
static void product512(const float *x, size_t rows, size_t d, const float *w, float *out) {
    size_t i = 0;
    for (; i + 4 <= rows; i += 4) {
        const float *x0 = x + i * d, *x1 = x0 + d, *x2 = x1 + d, *x3 = x2 + d;
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (size_t j = 0; j < d; j++) {
            __m512 wj = _mm512_loadu_ps(w + 16 * j);
            a0 = _mm512_fmadd_ps(_mm512_set1_ps(x0[j]), wj, a0);
            a1 = _mm512_fmadd_ps(_mm512_set1_ps(x1[j]), wj, a1);
            a2 = _mm512_fmadd_ps(_mm512_set1_ps(x2[j]), wj, a2);
            a3 = _mm512_fmadd_ps(_mm512_set1_ps(x3[j]), wj, a3);
        }
        _mm512_storeu_ps(out + 16 * i, a0);
        _mm512_storeu_ps(out + 16 * (i + 1), a1);
        _mm512_storeu_ps(out + 16 * (i + 2), a2);
        _mm512_storeu_ps(out + 16 * (i + 3), a3);
    }
    for (; i < rows; i++) {
        const float *xi = x + i * d;
        __m512 a = _mm512_setzero_ps();
        for (size_t j = 0; j < d; j++) a = _mm512_fmadd_ps(_mm512_set1_ps(xi[j]), _mm512_loadu_ps(w + 16 * j), a);
        _mm512_storeu_ps(out + 16 * i, a);
    }
}

__attribute__((target("avx512f")))
static void transpose512(const float *x, size_t rows, size_t d, const float *r, float *g) {
    size_t i = 0;
    for (; i + 4 <= rows; i += 4) {
        const float *x0 = x + i * d, *x1 = x0 + d, *x2 = x1 + d, *x3 = x2 + d;
        __m512 r0 = _mm512_loadu_ps(r + 16 * i), r1 = _mm512_loadu_ps(r + 16 * (i + 1));
        __m512 r2 = _mm512_loadu_ps(r + 16 * (i + 2)), r3 = _mm512_loadu_ps(r + 16 * (i + 3));
        for (size_t j = 0; j < d; j++) {
            __m512 gj = _mm512_loadu_ps(g + 16 * j);
            gj = _mm512_fmadd_ps(_mm512_set1_ps(x0[j]), r0, gj);
            gj = _mm512_fmadd_ps(_mm512_set1_ps(x1[j]), r1, gj);
            gj = _mm512_fmadd_ps(_mm512_set1_ps(x2[j]), r2, gj);
            gj = _mm512_fmadd_ps(_mm512_set1_ps(x3[j]), r3, gj);
            _mm512_storeu_ps(g + 16 * j, gj);
        }
    }
    for (; i < rows; i++) {
        const float *xi = x + i * d;
        __m512 ri = _mm512_loadu_ps(r + 16 * i);
        for (size_t j = 0; j < d; j++) {
            _mm512_storeu_ps(g + 16 * j, _mm512_fmadd_ps(_mm512_set1_ps(xi[j]), ri, _mm512_loadu_ps(g + 16 * j)));
        }
    }
}

// ---- AVX2 with FMA: each 16-lane row as two 8-lane halves ------------------------------------------

__attribute__((target("avx2,fma")))
static void product256(const float *x, size_t rows, size_t d, const float *w, float *out) {
    size_t i = 0;
    for (; i + 2 <= rows; i += 2) {
        const float *x0 = x + i * d, *x1 = x0 + d;
        __m256 a0 = _mm256_setzero_ps(), b0 = a0, a1 = a0, b1 = a0;
        for (size_t j = 0; j < d; j++) {
            __m256 wl = _mm256_loadu_ps(w + 16 * j), wh = _mm256_loadu_ps(w + 16 * j + 8);
            __m256 s0 = _mm256_set1_ps(x0[j]), s1 = _mm256_set1_ps(x1[j]);
            a0 = _mm256_fmadd_ps(s0, wl, a0);
            b0 = _mm256_fmadd_ps(s0, wh, b0);
            a1 = _mm256_fmadd_ps(s1, wl, a1);
            b1 = _mm256_fmadd_ps(s1, wh, b1);
        }
        _mm256_storeu_ps(out + 16 * i, a0);
        _mm256_storeu_ps(out + 16 * i + 8, b0);
        _mm256_storeu_ps(out + 16 * (i + 1), a1);
        _mm256_storeu_ps(out + 16 * (i + 1) + 8, b1);
    }
    for (; i < rows; i++) {
        const float *xi = x + i * d;
        __m256 a = _mm256_setzero_ps(), b = a;
        for (size_t j = 0; j < d; j++) {
            __m256 s = _mm256_set1_ps(xi[j]);
            a = _mm256_fmadd_ps(s, _mm256_loadu_ps(w + 16 * j), a);
            b = _mm256_fmadd_ps(s, _mm256_loadu_ps(w + 16 * j + 8), b);
        }
        _mm256_storeu_ps(out + 16 * i, a);
        _mm256_storeu_ps(out + 16 * i + 8, b);
    }
}

__attribute__((target("avx2,fma")))
static void transpose256(const float *x, size_t rows, size_t d, const float *r, float *g) {
    size_t i = 0;
    for (; i + 2 <= rows; i += 2) {
        const float *x0 = x + i * d, *x1 = x0 + d;
        __m256 r0l = _mm256_loadu_ps(r + 16 * i), r0h = _mm256_loadu_ps(r + 16 * i + 8);
        __m256 r1l = _mm256_loadu_ps(r + 16 * (i + 1)), r1h = _mm256_loadu_ps(r + 16 * (i + 1) + 8);
        for (size_t j = 0; j < d; j++) {
            __m256 s0 = _mm256_set1_ps(x0[j]), s1 = _mm256_set1_ps(x1[j]);
            __m256 gl = _mm256_loadu_ps(g + 16 * j), gh = _mm256_loadu_ps(g + 16 * j + 8);
            gl = _mm256_fmadd_ps(s1, r1l, _mm256_fmadd_ps(s0, r0l, gl));
            gh = _mm256_fmadd_ps(s1, r1h, _mm256_fmadd_ps(s0, r0h, gh));
            _mm256_storeu_ps(g + 16 * j, gl);
            _mm256_storeu_ps(g + 16 * j + 8, gh);
        }
    }
    for (; i < rows; i++) {
        const float *xi = x + i * d;
        __m256 rl = _mm256_loadu_ps(r + 16 * i), rh = _mm256_loadu_ps(r + 16 * i + 8);
        for (size_t j = 0; j < d; j++) {
            __m256 s = _mm256_set1_ps(xi[j]);
            _mm256_storeu_ps(g + 16 * j, _mm256_fmadd_ps(s, rl, _mm256_loadu_ps(g + 16 * j)));
            _mm256_storeu_ps(g + 16 * j + 8, _mm256_fmadd_ps(s, rh, _mm256_loadu_ps(g + 16 * j + 8)));
        }
    }
}

#endif

// ---- plain C --------------------------------------------------------------------------------------

static void productGeneric(const float *x, size_t rows, size_t d, const float *w, float *out) {
    for (size_t i = 0; i < rows; i++) {
        float a[16] = {0};
        for (size_t j = 0; j < d; j++) {
            float s = x[i * d + j];
            for (int k = 0; k < 16; k++) a[k] += s * w[16 * j + k];
        }
        for (int k = 0; k < 16; k++) out[16 * i + k] = a[k];
    }
}

static void transposeGeneric(const float *x, size_t rows, size_t d, const float *r, float *g) {
    for (size_t i = 0; i < rows; i++) {
        for (size_t j = 0; j < d; j++) {
            float s = x[i * d + j];
            for (int k = 0; k < 16; k++) g[16 * j + k] += s * r[16 * i + k];
        }
    }
}

// ---- dispatch -------------------------------------------------------------------------------------

void takeoff_narrow_product(takeoff_isa isa, const float *x, size_t rows, size_t d, const float *w, float *out) {
    switch (isa) {
#if defined(__x86_64__)
    case TAKEOFF_ISA_AVX512: product512(x, rows, d, w, out); break;
    case TAKEOFF_ISA_AVX2: product256(x, rows, d, w, out); break;
#endif
    default: productGeneric(x, rows, d, w, out);
    }
}

void takeoff_narrow_transpose_product(takeoff_isa isa, const float *x, size_t rows, size_t d, const float *r, float *g) {
    switch (isa) {
#if defined(__x86_64__)
    case TAKEOFF_ISA_AVX512: transpose512(x, rows, d, r, g); break;
    case TAKEOFF_ISA_AVX2: transpose256(x, rows, d, r, g); break;
#endif
    default: transposeGeneric(x, rows, d, r, g);
    }
}
