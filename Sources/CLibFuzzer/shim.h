// libFuzzer's driver, for hone-fuzz (scripts/fuzz). hone-fuzz has its own `main` and hands its
// callback to `LLVMFuzzerRunDriver`, so it links libclang_rt.fuzzer_no_main, never libFuzzer's
// `main`. The symbol is weak: a plain `swift build` links hone-fuzz without libFuzzer, and the
// program then says how to build it instead of crashing.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv,
                        int (*callback)(const uint8_t *data, size_t size)) __attribute__((weak));

/// Whether libFuzzer was linked in (scripts/fuzz links it).
static inline int hone_libfuzzer_is_linked(void) { return LLVMFuzzerRunDriver != 0; }
