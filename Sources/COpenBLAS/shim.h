#ifndef HONE_COPENBLAS_SHIM_H
#define HONE_COPENBLAS_SHIM_H
#include <cblas.h>

/* Not in cblas.h, but exported by libopenblas with DYNAMIC_ARCH: they let hone switch to the
   right kernels in-process when OpenBLAS 0.3.21 fails to recognise the CPU (SWIFT-NOTES §1.3). */
extern void gotoblas_dynamic_init(void);
extern void gotoblas_dynamic_quit(void);

/* LAPACK's divide-and-conquer SVD (column-major), which libopenblas exports: PiSSA's init. */
extern void sgesdd_(const char *jobz, const int *m, const int *n, float *a, const int *lda, float *s,
                    float *u, const int *ldu, float *vt, const int *ldvt, float *work, const int *lwork,
                    int *iwork, int *info);
#endif
