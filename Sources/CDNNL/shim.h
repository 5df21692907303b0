// oneDNN's C API (Debian's libdnnl-dev, oneDNN 2.6 on OpenMP), plus one shim: OpenMP's thread
// count, looked up at run time because Debian ships libgomp's headers only with GCC.
#include <oneapi/dnnl/dnnl.h>
#include <dlfcn.h>

/// Sets the OpenMP thread count for parallel regions started from the calling thread (oneDNN's
/// primitives run in them). Returns 0 when no OpenMP runtime is loaded.
static inline int hone_omp_set_num_threads(int count) {
    void (*set)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_num_threads");
    if (!set) return 0;
    set(count);
    return 1;
}
