// The products of one mlp-large training step (batch 128, 784-1024-1024-10) at their own shapes, timed four ways
// in one process: OpenBLAS with its own threads over the whole product, OpenBLAS single-threaded on each
// thread's half of the rows (what Takeoff's planned step does), and oneDNN's matmul in float32 and in bfloat16
// (bf16 operands, float32 output). Prints GFLOP/s, best of 5 timings of 40 calls; a oneDNN row says
// "unimplemented" where the library has no kernel for this CPU (bf16 needs AVX-512).
//
// Build and run (Debian: libopenblas-dev, libdnnl-dev):
//   cc -O2 -fopenmp bench/step_gemm_shapes.c -o /tmp/step_gemm_shapes -lopenblas -ldnnl && /tmp/step_gemm_shapes
#include <cblas.h>
#include <dnnl.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    const char *name;
    int m, n, k;
    int transposeA, transposeB;  // A stored [k, m]; B stored [n, k] (a weight matrix [outputs, inputs])
} product;

static const product products[] = {
    {"forward 1: x·W1ᵀ", 128, 1024, 784, 0, 1},
    {"forward 2: h·W2ᵀ", 128, 1024, 1024, 0, 1},
    {"input gradient 2: dz·W2", 128, 1024, 1024, 0, 0},
    {"weight gradient 1: dzᵀ·x", 1024, 784, 128, 1, 0},
    {"weight gradient 2: dzᵀ·h", 1024, 1024, 128, 1, 0},
    {"square 2048", 2048, 2048, 2048, 0, 0},
};

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static float *a, *b, *c;

static void blas(const product *p, int lo, int hi) {
    const int lda = p->transposeA ? p->m : p->k, ldb = p->transposeB ? p->k : p->n;
    const float *rows = p->transposeA ? a + lo : a + (size_t)lo * (size_t)lda;
    cblas_sgemm(CblasRowMajor, p->transposeA ? CblasTrans : CblasNoTrans, p->transposeB ? CblasTrans : CblasNoTrans, hi - lo, p->n,
                p->k, 1, rows, lda, b, ldb, 0, c + (size_t)lo * (size_t)p->n, p->n);
}

static double rate(const product *p, double seconds) { return 2.0 * p->m * p->n * p->k / seconds / 1e9; }

static double timeBLAS(const product *p, int halves) {
    const int calls = p->m == 2048 ? 4 : 40;
    double best = 1e30;
    for (int r = 0; r < 5; r++) {
        const double start = now();
        for (int i = 0; i < calls; i++) {
            if (!halves) {
                blas(p, 0, p->m);
                continue;
            }
#pragma omp parallel num_threads(2)
            {
                const int t = omp_get_thread_num();
                blas(p, p->m * t / 2, p->m * (t + 1) / 2);
            }
        }
        const double s = (now() - start) / calls;
        if (s < best) best = s;
    }
    return rate(p, best);
}

// oneDNN's matmul over the same shapes; returns 0 where the library has no kernel for this CPU and data type.
static double timeDNNL(dnnl_engine_t engine, dnnl_stream_t stream, const product *p, dnnl_data_type_t type, const char **impl) {
    dnnl_memory_desc_t ad, bd, cd;
    dnnl_dims_t adims = {p->m, p->k}, bdims = {p->k, p->n}, cdims = {p->m, p->n};
    dnnl_memory_desc_init_by_tag(&ad, 2, adims, type, p->transposeA ? dnnl_ba : dnnl_ab);
    dnnl_memory_desc_init_by_tag(&bd, 2, bdims, type, p->transposeB ? dnnl_ba : dnnl_ab);
    dnnl_memory_desc_init_by_tag(&cd, 2, cdims, dnnl_f32, dnnl_ab);
    dnnl_matmul_desc_t desc;
    dnnl_primitive_desc_t pd;
    if (dnnl_matmul_desc_init(&desc, &ad, &bd, NULL, &cd) != dnnl_success ||
        dnnl_primitive_desc_create(&pd, &desc, NULL, engine, NULL) != dnnl_success) return 0;
    dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, impl);
    dnnl_primitive_t primitive;
    dnnl_primitive_create(&primitive, pd);
    dnnl_memory_t am, bm, cm;
    dnnl_memory_create(&am, &ad, engine, DNNL_MEMORY_ALLOCATE);
    dnnl_memory_create(&bm, &bd, engine, DNNL_MEMORY_ALLOCATE);
    dnnl_memory_create(&cm, &cd, engine, DNNL_MEMORY_ALLOCATE);
    void *data;
    const size_t width = type == dnnl_f32 ? 4 : 2;
    dnnl_memory_get_data_handle(am, &data);
    memset(data, 0, (size_t)p->m * (size_t)p->k * width);
    dnnl_memory_get_data_handle(bm, &data);
    memset(data, 0, (size_t)p->k * (size_t)p->n * width);
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}};
    const int calls = p->m == 2048 ? 4 : 40;
    dnnl_primitive_execute(primitive, stream, 3, args);
    dnnl_stream_wait(stream);
    double best = 1e30;
    for (int r = 0; r < 5; r++) {
        const double start = now();
        for (int i = 0; i < calls; i++) dnnl_primitive_execute(primitive, stream, 3, args);
        dnnl_stream_wait(stream);
        const double s = (now() - start) / calls;
        if (s < best) best = s;
    }
    dnnl_memory_destroy(am);
    dnnl_memory_destroy(bm);
    dnnl_memory_destroy(cm);
    dnnl_primitive_destroy(primitive);
    dnnl_primitive_desc_destroy(pd);
    return rate(p, best);
}

int main(void) {
    const size_t most = (size_t)2048 * 2048;
    a = calloc(most, sizeof(float));
    b = calloc(most, sizeof(float));
    c = calloc(most, sizeof(float));
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    dnnl_engine_create(&engine, dnnl_cpu, 0);
    dnnl_stream_create(&stream, engine, dnnl_stream_default_flags);
    const dnnl_version_t *version = dnnl_version();
    printf("OpenBLAS %s; oneDNN %d.%d.%d; 2 threads; GFLOP/s\n", openblas_get_corename(), version->major, version->minor, version->patch);
    printf("%-26s %16s %16s %14s %14s\n", "product", "OpenBLAS 2 thr", "2 × 1-thr half", "oneDNN f32", "oneDNN bf16");
    for (size_t i = 0; i < sizeof products / sizeof products[0]; i++) {
        const product *p = &products[i];
        openblas_set_num_threads(2);
        const double whole = timeBLAS(p, 0);
        openblas_set_num_threads(1);
        const double halves = timeBLAS(p, 1);
        const char *f32Impl = "", *bf16Impl = "";
        const double f32 = timeDNNL(engine, stream, p, dnnl_f32, &f32Impl), bf16 = timeDNNL(engine, stream, p, dnnl_bf16, &bf16Impl);
        char bf16Text[32];
        if (bf16 > 0) snprintf(bf16Text, sizeof bf16Text, "%.1f", bf16);
        else snprintf(bf16Text, sizeof bf16Text, "unimplemented");
        printf("%-26s %16.1f %16.1f %14.1f %14s   (%s%s%s)\n", p->name, whole, halves, f32, bf16Text, f32Impl, bf16 > 0 ? ", " : "", bf16Impl);
    }
    return 0;
}
