// A CPU emulation of the parts of the CUDA driver, NVRTC and cuBLAS that Takeoff calls, built as one
// library installed under the three names Takeoff opens. Kernels are compiled for the host by
// kernelgen.py and run thread by thread; "device" memory is host memory, filled with NaN when
// allocated so a kernel that reads what nobody wrote shows up; cuBLAS is a plain column-major GEMM.
// It checks Takeoff's host logic and its kernels' index arithmetic on a machine without a GPU; it says
// nothing about speed, and runs everything in order (no concurrency, no asynchrony).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

typedef int CUresult;

// ---- call counts, printed at exit with FAKECUDA_STATS=1 (a proxy for host overhead per step) --------
enum { LAUNCH, ALLOC, FREE, HTOD, DTOH, DTOD, MEMSET, GEMM, SYNC, COUNTERS };
static const char* counterNames[COUNTERS] = {"launches", "allocations", "frees", "host-to-device copies",
    "device-to-host copies", "device-to-device copies", "memsets", "GEMMs", "waits (stream or event)"};
static unsigned long long counts[COUNTERS];
// FAKECUDA_NO_COMPUTE=1 skips kernels, GEMMs, memsets and device copies (results are garbage): what remains is the host's own
// cost per step, the part a real GPU cannot hide.
static int noCompute;
// FAKECUDA_FAIL_LAUNCH=N makes the Nth kernel launch and every later one fail (CUDA_ERROR_LAUNCH_FAILED), as a
// kernel fault leaves a real context: how Takeoff reports a GPU that fails mid-run.
static unsigned long long failLaunch;
__attribute__((constructor)) static void readOptions(void) {
    noCompute = getenv("FAKECUDA_NO_COMPUTE") != NULL;
    const char* fail = getenv("FAKECUDA_FAIL_LAUNCH");
    failLaunch = fail ? strtoull(fail, NULL, 10) : 0;
}
// Without computing, "device" memory comes from one large untouched reservation, never reused: it reads
// as zeros (finite losses) and costs no page faults, so the host's own time is all that is measured.
static void* reserve(size_t bytes) {
    static char* next;
    static char* end;
    if (!next) {
        size_t size = (size_t)1 << 40;
        next = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (next == MAP_FAILED) { next = NULL; return NULL; }
        end = next + size;
    }
    bytes = (bytes + 255) & ~(size_t)255;
    if (next + bytes > end) return NULL;
    void* p = next;
    next += bytes;
    return p;
}
static unsigned long long kernelCounts[256];
static void* kernelFunctions[256];
static void countKernel(void* f) {
    for (int i = 0; i < 256; i++) {
        if (kernelFunctions[i] == f || !kernelFunctions[i]) { kernelFunctions[i] = f; kernelCounts[i]++; return; }
    }
}
__attribute__((destructor)) static void printCounts(void) {
    if (!getenv("FAKECUDA_STATS")) return;
    for (int i = 0; i < COUNTERS; i++) fprintf(stderr, "fakecuda: %llu %s\n", counts[i], counterNames[i]);
    for (int i = 0; i < 256 && kernelFunctions[i]; i++) {
        Dl_info info;
        const char* name = dladdr(kernelFunctions[i], &info) && info.dli_sname ? info.dli_sname : "?";
        fprintf(stderr, "fakecuda:   %llu × %s\n", kernelCounts[i], name);
    }
}

// ---- driver -------------------------------------------------------------------------------------
CUresult cuInit(unsigned flags) { return 0; }
CUresult cuDriverGetVersion(int* v) { *v = 13000; return 0; }
CUresult cuDeviceGetCount(int* n) { *n = 1; return 0; }
CUresult cuDeviceGet(int* d, int ordinal) { *d = ordinal; return ordinal == 0 ? 0 : 101; }
CUresult cuDeviceGetName(char* name, int len, int d) { snprintf(name, len, "CUDA emulator on the CPU"); return 0; }
CUresult cuDeviceGetAttribute(int* v, int attribute, int d) {
    switch (attribute) {
    case 75: *v = 9; break;   // compute capability 9.0
    case 76: *v = 0; break;
    case 16: *v = 1; break;   // multiprocessors
    case 115: *v = 1; break;  // memory pools
    default: *v = 0;
    }
    return 0;
}
CUresult cuDeviceTotalMem_v2(size_t* bytes, int d) { *bytes = (size_t)8 << 30; return 0; }
CUresult cuDevicePrimaryCtxRetain(void** ctx, int d) { *ctx = (void*)0x1; return 0; }
CUresult cuCtxSetCurrent(void* ctx) { return 0; }
CUresult cuStreamCreate(void** s, unsigned flags) { *s = (void*)0x2; return 0; }
CUresult cuStreamSynchronize(void* s) { counts[SYNC]++; return 0; }
CUresult cuDeviceGetDefaultMemPool(void** pool, int d) { *pool = (void*)0x3; return 0; }
CUresult cuMemPoolSetAttribute(void* pool, int attribute, void* value) { return 0; }
CUresult cuMemAllocAsync(uint64_t* p, size_t bytes, void* s) {
    counts[ALLOC]++;
    void* m = noCompute ? reserve(bytes) : malloc(bytes);
    if (!m) return 2;
    if (!noCompute) memset(m, 0xFF, bytes);  // NaN in every float
    *p = (uint64_t)(uintptr_t)m;
    return 0;
}
CUresult cuMemFreeAsync(uint64_t p, void* s) { counts[FREE]++; if (!noCompute) free((void*)(uintptr_t)p); return 0; }
CUresult cuMemGetInfo_v2(size_t* free_, size_t* total) { *free_ = (size_t)6 << 30; *total = (size_t)8 << 30; return 0; }
CUresult cuMemcpyHtoDAsync_v2(uint64_t d, const void* h, size_t n, void* s) { counts[HTOD]++; if (!noCompute) memcpy((void*)(uintptr_t)d, h, n); return 0; }
CUresult cuMemcpyDtoHAsync_v2(void* h, uint64_t d, size_t n, void* s) { counts[DTOH]++; memcpy(h, (void*)(uintptr_t)d, n); return 0; }
CUresult cuMemcpyDtoDAsync_v2(uint64_t d, uint64_t src, size_t n, void* s) { counts[DTOD]++; if (!noCompute) memmove((void*)(uintptr_t)d, (void*)(uintptr_t)src, n); return 0; }
CUresult cuMemsetD32Async(uint64_t d, unsigned v, size_t n, void* s) {
    counts[MEMSET]++;
    if (noCompute) return 0;
    unsigned* p = (unsigned*)(uintptr_t)d;
    for (size_t i = 0; i < n; i++) p[i] = v;
    return 0;
}
CUresult cuModuleLoadData(void** module, const void* image) {
    void* h = dlopen((const char*)image, RTLD_NOW | RTLD_LOCAL);
    if (!h) { fprintf(stderr, "fakecuda: %s\n", dlerror()); return 200; }
    *module = h;
    return 0;
}
CUresult cuModuleGetFunction(void** f, void* module, const char* name) {
    char symbol[256];
    snprintf(symbol, sizeof symbol, "__launch_%s", name);
    *f = dlsym(module, symbol);
    return *f ? 0 : 500;
}
typedef void (*Launcher)(unsigned, unsigned, void**);
CUresult cuLaunchKernel(void* f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned shared, void* stream, void** params, void** extra) {
    if (gy != 1 || gz != 1 || by != 1 || bz != 1 || bx == 0 || bx > 1024) return 1;
    counts[LAUNCH]++;
    if (failLaunch && counts[LAUNCH] >= failLaunch) return 719;
    countKernel(f);
    if (!noCompute) ((Launcher)f)(gx, bx, params);
    return 0;
}
CUresult cuGetErrorString(CUresult e, const char** s) { *s = "emulated CUDA error"; return 0; }
CUresult cuMemHostAlloc(void** p, size_t bytes, unsigned flags) { *p = malloc(bytes); return *p ? 0 : 2; }
// An event holds the time it was recorded: everything before it has run by then (nothing is asynchronous).
CUresult cuEventCreate(void** e, unsigned flags) { *e = calloc(1, sizeof(struct timespec)); return *e ? 0 : 2; }
CUresult cuEventDestroy_v2(void* e) { free(e); return 0; }
CUresult cuEventRecord(void* e, void* s) { clock_gettime(CLOCK_MONOTONIC, (struct timespec*)e); return 0; }
CUresult cuEventElapsedTime_v2(float* ms, void* start, void* end) {
    struct timespec* a = start;
    struct timespec* b = end;
    *ms = (float)((b->tv_sec - a->tv_sec) * 1e3 + (b->tv_nsec - a->tv_nsec) / 1e6);
    return 0;
}
CUresult cuEventSynchronize(void* e) { counts[SYNC]++; return 0; }

// ---- NVRTC --------------------------------------------------------------------------------------
typedef struct { char* source; char* name; char output[256]; char* log; } Program;

int nvrtcVersion(int* major, int* minor) { *major = 13; *minor = 0; return 0; }
int nvrtcCreateProgram(Program** p, const char* src, const char* name, int n, const char* const* h, const char* const* i) {
    *p = calloc(1, sizeof(Program));
    (*p)->source = strdup(src);
    (*p)->name = strdup(name ? name : "kernel.cu");
    return 0;
}
int nvrtcCompileProgram(Program* p, int n, const char* const* options) {
    Dl_info info;
    dladdr((void*)nvrtcCompileProgram, &info);
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", info.dli_fname);
    char* slash = strrchr(dir, '/');
    if (slash) *slash = 0;
    char source[] = "/tmp/fakecuda-XXXXXX";
    int fd = mkstemp(source);
    if (fd < 0) return 7;
    write(fd, p->source, strlen(p->source));
    close(fd);
    snprintf(p->output, sizeof p->output, "%s.so", source);
    char command[4096], log[300];
    snprintf(log, sizeof log, "%s.log", source);
    snprintf(command, sizeof command, "python3 %s/kernelgen.py %s %s 2> %s", dir, source, p->output, log);
    int status = system(command);
    FILE* f = fopen(log, "r");
    p->log = calloc(1, 1 << 16);
    if (f) { fread(p->log, 1, (1 << 16) - 1, f); fclose(f); }
    remove(log);
    remove(source);
    return status == 0 ? 0 : 6;  // NVRTC_ERROR_COMPILATION
}
int nvrtcGetProgramLogSize(Program* p, size_t* n) { *n = p->log ? strlen(p->log) + 1 : 1; return 0; }
int nvrtcGetProgramLog(Program* p, char* log) { strcpy(log, p->log ? p->log : ""); return 0; }
int nvrtcGetCUBINSize(Program* p, size_t* n) { *n = strlen(p->output) + 1; return 0; }
int nvrtcGetCUBIN(Program* p, char* out) { strcpy(out, p->output); return 0; }
int nvrtcDestroyProgram(Program** p) { free((*p)->source); free((*p)->name); free((*p)->log); free(*p); *p = 0; return 0; }
const char* nvrtcGetErrorString(int e) { return "emulated NVRTC error"; }

// ---- cuBLAS -------------------------------------------------------------------------------------
int cublasCreate_v2(void** h) { *h = (void*)0x4; return 0; }
int cublasSetStream_v2(void* h, void* s) { return 0; }
int cublasSetMathMode(void* h, int mode) { return 0; }
const char* cublasGetStatusString(int s) { return "emulated cuBLAS error"; }
int cublasSgemm_v2(void* h, int ta, int tb, int m, int n, int k, const float* alpha, const float* a, int lda,
                   const float* b, int ldb, const float* beta, float* c, int ldc) {
    counts[GEMM]++;
    if (noCompute) return 0;
    if (m < 0 || n < 0 || k < 0 || lda < (ta ? k : m) || ldb < (tb ? n : k) || ldc < m || lda < 1 || ldb < 1) return 7;
    for (int j = 0; j < n; j++)
        for (int i = 0; i < m; i++) {
            double s = 0;
            for (int l = 0; l < k; l++) {
                float x = ta ? a[l + (size_t)i * lda] : a[i + (size_t)l * lda];
                float y = tb ? b[j + (size_t)l * ldb] : b[l + (size_t)j * ldb];
                s += (double)x * y;
            }
            float* out = &c[i + (size_t)j * ldc];
            *out = *beta == 0 ? (float)(*alpha * s) : (float)(*alpha * s + *beta * *out);
        }
    return 0;
}
