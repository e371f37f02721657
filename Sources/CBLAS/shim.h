// CBLAS from Debian's OpenBLAS (libopenblas-dev), plus the OpenBLAS extensions
// Takeoff uses to control and report threading and the kernel in use.
#include <cblas.h>
