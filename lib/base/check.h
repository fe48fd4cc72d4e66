// base/check.h — internal invariants.
//
// SANSRTC_DCHECK is for conditions only a bug can break. It is active in
// debug and fuzz builds and compiles to nothing in release. It is never used
// on anything the network or the user controls: those are dropped and
// counted, or returned as errors.
#pragma once

#include <cstdio>
#include <cstdlib>

#if !defined(NDEBUG) || defined(FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION)
#define SANSRTC_DCHECK_IS_ON 1
#define SANSRTC_DCHECK(cond)                                                            \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: DCHECK failed: %s\n", __FILE__, __LINE__, #cond);    \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)
#else
#define SANSRTC_DCHECK_IS_ON 0
#define SANSRTC_DCHECK(cond) \
  do {                       \
    (void)sizeof(!(cond));   \
  } while (0)
#endif
