// takeoff_adam of CVectorKernels.h: the update is a handful of multiplies and adds around a square root and two
// divisions per parameter, streaming four arrays. Swift's 4-lane form was bound by the divider; 8 or 16 lanes
// keep it near the memory's rate. Each lane does exactly the scalar arithmetic (no contraction into FMA), so the
// result is bit-identical whichever path runs.
#include "CVectorKernels.h"
#include <math.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#pragma clang fp contract(off)

typedef struct {
    float b1, b2, eps, step_size, root_c2, grad_decay, weight_decay;
} adam_rule;

static void adamGeneric(const adam_rule *r, float *w, const float *g, float *m, float *v, size_t lo, size_t hi) {
    const float c1 = 1.0f - r->b1, c2 = 1.0f - r->b2;
    for (size_t i = lo; i < hi; i++) {
        const float wi = w[i];
        const float grad = g[i] + r->grad_decay * wi;
        const float mi = r->b1 * m[i] + c1 * grad;
        const float vi = r->b2 * v[i] + c2 * grad * grad;
        w[i] = wi - r->weight_decay * wi - r->step_size * mi / (sqrtf(vi) / r->root_c2 + r->eps);
        m[i] = mi;
        v[i] = vi;
    }
}

#if defined(__x86_64__)

__attribute__((target("avx512f")))
static size_t adam512(const adam_rule *r, float *w, const float *g, float *m, float *v, size_t count) {
    const __m512 b1 = _mm512_set1_ps(r->b1), b2 = _mm512_set1_ps(r->b2), c1 = _mm512_set1_ps(1.0f - r->b1);
    const __m512 c2 = _mm512_set1_ps(1.0f - r->b2), eps = _mm512_set1_ps(r->eps), step = _mm512_set1_ps(r->step_size);
    const __m512 root = _mm512_set1_ps(r->root_c2), gd = _mm512_set1_ps(r->grad_decay), wd = _mm512_set1_ps(r->weight_decay);
    size_t i = 0;
    for (; i + 16 <= count; i += 16) {
        const __m512 wi = _mm512_loadu_ps(w + i);
        const __m512 grad = _mm512_add_ps(_mm512_loadu_ps(g + i), _mm512_mul_ps(gd, wi));
        const __m512 mi = _mm512_add_ps(_mm512_mul_ps(b1, _mm512_loadu_ps(m + i)), _mm512_mul_ps(c1, grad));
        const __m512 vi = _mm512_add_ps(_mm512_mul_ps(b2, _mm512_loadu_ps(v + i)), _mm512_mul_ps(_mm512_mul_ps(c2, grad), grad));
        const __m512 denominator = _mm512_add_ps(_mm512_div_ps(_mm512_sqrt_ps(vi), root), eps);
        const __m512 decayed = _mm512_sub_ps(wi, _mm512_mul_ps(wd, wi));
        _mm512_storeu_ps(w + i, _mm512_sub_ps(decayed, _mm512_div_ps(_mm512_mul_ps(step, mi), denominator)));
        _mm512_storeu_ps(m + i, mi);
        _mm512_storeu_ps(v + i, vi);
    }
    return i;
}

__attribute__((target("avx2")))
static size_t adam256(const adam_rule *r, float *w, const float *g, float *m, float *v, size_t count) {
    const __m256 b1 = _mm256_set1_ps(r->b1), b2 = _mm256_set1_ps(r->b2), c1 = _mm256_set1_ps(1.0f - r->b1);
    const __m256 c2 = _mm256_set1_ps(1.0f - r->b2), eps = _mm256_set1_ps(r->eps), step = _mm256_set1_ps(r->step_size);
    const __m256 root = _mm256_set1_ps(r->root_c2), gd = _mm256_set1_ps(r->grad_decay), wd = _mm256_set1_ps(r->weight_decay);
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        const __m256 wi = _mm256_loadu_ps(w + i);
        const __m256 grad = _mm256_add_ps(_mm256_loadu_ps(g + i), _mm256_mul_ps(gd, wi));
        const __m256 mi = _mm256_add_ps(_mm256_mul_ps(b1, _mm256_loadu_ps(m + i)), _mm256_mul_ps(c1, grad));
        const __m256 vi = _mm256_add_ps(_mm256_mul_ps(b2, _mm256_loadu_ps(v + i)), _mm256_mul_ps(_mm256_mul_ps(c2, grad), grad));
        const __m256 denominator = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vi), root), eps);
        const __m256 decayed = _mm256_sub_ps(wi, _mm256_mul_ps(wd, wi));
        _mm256_storeu_ps(w + i, _mm256_sub_ps(decayed, _mm256_div_ps(_mm256_mul_ps(step, mi), denominator)));
        _mm256_storeu_ps(m + i, mi);
        _mm256_storeu_ps(v + i, vi);
    }
    return i;
}

#endif

void takeoff_adam(takeoff_isa isa, float *w, const float *g, float *m, float *v, size_t count, float b1, float b2, float eps,
                  float step_size, float root_c2, float grad_decay, float weight_decay) {
    const adam_rule r = {b1, b2, eps, step_size, root_c2, grad_decay, weight_decay};
    size_t done = 0;
    switch (isa) {
#if defined(__x86_64__)
    case TAKEOFF_ISA_AVX512: done = adam512(&r, w, g, m, v, count); break;
    case TAKEOFF_ISA_AVX2: done = adam256(&r, w, g, m, v, count); break;
#endif
    default: break;
    }
    adamGeneric(&r, w, g, m, v, done, count);
}
