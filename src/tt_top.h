/* tinytrain.h v0.1.0 -- train a small GPT on the CPU, one header, libc only. MIT or public domain (see end of file).
   GENERATED from src/ by tools/amalgamate.sh -- do not edit; edit src/ and regenerate.

   QUICK START
     In exactly one C or C++ file:
         #define TINYTRAIN_IMPLEMENTATION
         #include "tinytrain.h"
     Build: cc -O2 -std=c99 -march=native app.c -lm -lpthread

         tt_model_config cfg = {0};            // C++: = {}
         cfg.vocab_size = 256; cfg.n_layer = 2; // the rest: defaults
         tt_model *m = NULL;
         if (tt_model_create(&cfg, &m) != TT_OK) return 1;
         tt_adamw_config opt = {0}; opt.lr = 1e-3f;
         for (int step = 0; step < 100; step++) {
             float loss;
             tt_model_forward(m, tokens, targets, B, T, &loss);
             tt_model_backward(m, 1.0f);
             tt_adamw_step(m, &opt, NULL);
         }
         tt_model_destroy(m);

   CONFIG MACROS (where to set them)
     TINYTRAIN_IMPLEMENTATION  one .c file           emit the implementation
     TINYTRAIN_STATIC          implementation file   every function static
     TT_NO_STDIO               globally              no *_file functions, no tt_log_stderr
     TT_NO_THREADS             implementation file   no pthreads; cfg.n_threads clamped to 1
                                                     (a user cfg.parallel still works)
     TT_NO_MALLOC              implementation file   no default allocator: pass
                                                     cfg.allocator or use *_create_in
     TT_SIMD_WIDTH             implementation file   1 scalar, 4 NEON (AArch64), 8 AVX2+FMA
                                                     (-mavx2 -mfma), 16 AVX-512 (-mavx512f
                                                     ...); default from the compiler's flags
     TT_MALLOC(sz,al)/TT_FREE(p,sz)  implementation  both or neither
     TT_EXPF TT_LOGF TT_SQRTF TT_TANHF TT_COSF TT_POWF  math functions for freestanding builds
     TT_NO_ASM                 implementation file   intrinsics instead of the inline-asm
                                                     AVX2 GEMM micro-kernel
     TT_GEMM_MIN_TASK_FLOPS    implementation file   smallest GEMM task in FLOPs (default 2e6;
                                                     0 = every product on all threads)
     TT_GEMM_SPLIT             implementation file   GEMM blocks per thread (default 1; see
                                                     tt_config.h)
     TT_NO_CLOCK               implementation file   no built-in clock_gettime for cfg.profile
                                                     (then cfg.clock is required)
     TT_CPU_CHECK()            implementation file   replaces the run-time CPU feature check
                                                     (nonzero = the build's SIMD can run;
                                                     used when emulating AVX-512)

   MEMORY
     tt_model_memory_size tells the bytes; tt_model_create_in builds inside a
     caller's buffer and allocates nothing. Parameters, gradients and AdamW
     m/v are one flat block; activations are one block sized for
     (max_batch, n_ctx). Forward, backward and the optimizer step never allocate.

   THREADS
     cfg.n_threads > 1 starts a small pthread pool (n_threads-1 workers) at
     create, or cfg.parallel plugs in your own scheduler. One model is used
     by one calling thread at a time; separate models are independent.

   DETERMINISM
     Same binary, inputs, seed and thread count: bitwise the same losses and
     parameters. Work is split over output elements only; every reduction
     runs in a fixed order that does not depend on the thread count.

   ERRORS
     Every fallible call returns tt_status; tt_strerror names it; details go
     to cfg.logger (silent by default). The library never calls exit, abort
     or printf. A failed call leaves its outputs and the object unchanged.

   DOES NOT
     download anything, use a GPU (the tt_backend hook is reserved), use
     -ffast-math, or keep global state.
*/
