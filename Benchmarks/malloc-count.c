// Counts malloc/calloc/realloc calls for xmppstream-bench, which reads the counter through dlsym:
//   cc -O2 -shared -fPIC -o /tmp/malloc-count.so Benchmarks/malloc-count.c
//   LD_PRELOAD=/tmp/malloc-count.so .build/release/xmppstream-bench
#include <stddef.h>
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
unsigned long xmppstream_bench_allocations;
void *malloc(size_t size) { xmppstream_bench_allocations++; return __libc_malloc(size); }
void *calloc(size_t count, size_t size) { xmppstream_bench_allocations++; return __libc_calloc(count, size); }
void *realloc(void *pointer, size_t size) { xmppstream_bench_allocations++; return __libc_realloc(pointer, size); }
