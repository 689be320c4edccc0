// Expat for Swift: version differences, and a counting allocator so the owner can report and bound
// the memory its parsers use.
#ifndef XMPP_RELAY_CEXPAT_SHIM_H
#define XMPP_RELAY_CEXPAT_SHIM_H
#include <expat.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/random.h>

// Expat >= 2.6 defers reparsing of large tokens, which delays events for small chunks.
// Turn it off where it exists so byte-at-a-time and all-at-once feeding behave the same.
// Debian 12's 2.5.0-1+deb12u5 backports the deferral (CVE-2023-52425) while still saying 2.5.0,
// so below 2.6 the function is looked up as a weak symbol instead of trusting the version.
#if !(XML_MAJOR_VERSION > 2 || (XML_MAJOR_VERSION == 2 && XML_MINOR_VERSION >= 6))
XML_Bool XML_SetReparseDeferralEnabled(XML_Parser parser, XML_Bool enabled) __attribute__((weak));
#endif
static inline void shim_expat_disable_reparse_deferral(XML_Parser parser) {
#if XML_MAJOR_VERSION > 2 || (XML_MAJOR_VERSION == 2 && XML_MINOR_VERSION >= 6)
    XML_SetReparseDeferralEnabled(parser, XML_FALSE);
#else
    if (XML_SetReparseDeferralEnabled != NULL) XML_SetReparseDeferralEnabled(parser, XML_FALSE);
#endif
}

// XML_TRUE/XML_FALSE are casts, which Swift cannot import.
static inline XML_Bool shim_expat_true(void) { return XML_TRUE; }
static inline XML_Bool shim_expat_false(void) { return XML_FALSE; }

// Expat 2.8 deprecates the `long`-sized position getters and the `unsigned long` hash salt in favour
// of 64-bit getters and a 16-byte salt. Pick by version so neither side warns.
#if XML_MAJOR_VERSION > 2 || (XML_MAJOR_VERSION == 2 && XML_MINOR_VERSION >= 8)
#define SHIM_EXPAT_2_8 1
#endif

// The stream offset of the current event's first byte.
static inline long long shim_expat_byte_index(XML_Parser parser) {
#ifdef SHIM_EXPAT_2_8
    return (long long)XML_GetCurrentByteIndex64(parser);
#else
    return (long long)XML_GetCurrentByteIndex(parser);
#endif
}

// The length of the current event in bytes (0 inside an internal entity).
static inline long long shim_expat_byte_count(XML_Parser parser) {
#ifdef SHIM_EXPAT_2_8
    return (long long)XML_GetCurrentByteCount64(parser);
#else
    return (long long)XML_GetCurrentByteCount(parser);
#endif
}

// A random hash salt for Expat's attribute and name tables (hash flooding). Without entropy Expat
// falls back to picking its own salt.
static inline void shim_expat_seed_hash(XML_Parser parser) {
#ifdef SHIM_EXPAT_2_8
    uint8_t entropy[16];
    if (getrandom(entropy, sizeof entropy, 0) == (ssize_t)sizeof entropy) XML_SetHashSalt16Bytes(parser, entropy);
#else
    unsigned long salt = 0;
    if (getrandom(&salt, sizeof salt, 0) == (ssize_t)sizeof salt && salt != 0) XML_SetHashSalt(parser, salt);
#endif
}

// Byte accounting for every Expat parser on this thread (the relay runs one loop thread).
// Each block carries its size in a header, so free and realloc can subtract it.
// Swift must call these only from one source file: a static in a header exists once per translation unit.
// The counters live inside a function: Swift emits referenced inline functions, not header statics.
static inline size_t *shim_expat_counters(void) {
    static _Thread_local size_t counters[2]; // bytes in use, peak
    return counters;
}

#define SHIM_EXPAT_HEADER 16

static inline void shim_expat_account(size_t added, size_t removed) {
    size_t *counters = shim_expat_counters();
    counters[0] += added;
    counters[0] -= removed;
    if (counters[0] > counters[1]) counters[1] = counters[0];
}

static inline void *shim_expat_malloc(size_t size) {
    unsigned char *block = (unsigned char *)malloc(size + SHIM_EXPAT_HEADER);
    if (block == NULL) return NULL;
    *(size_t *)block = size;
    shim_expat_account(size, 0);
    return block + SHIM_EXPAT_HEADER;
}

static inline void shim_expat_free(void *pointer) {
    if (pointer == NULL) return;
    unsigned char *block = (unsigned char *)pointer - SHIM_EXPAT_HEADER;
    shim_expat_account(0, *(size_t *)block);
    free(block);
}

static inline void *shim_expat_realloc(void *pointer, size_t size) {
    if (pointer == NULL) return shim_expat_malloc(size);
    unsigned char *block = (unsigned char *)pointer - SHIM_EXPAT_HEADER;
    size_t old = *(size_t *)block;
    unsigned char *grown = (unsigned char *)realloc(block, size + SHIM_EXPAT_HEADER);
    if (grown == NULL) return NULL;
    *(size_t *)grown = size;
    shim_expat_account(size, old);
    return grown + SHIM_EXPAT_HEADER;
}

// A namespace-aware parser that takes UTF-8 only and allocates through the counters above.
static inline XML_Parser shim_expat_create_parser(XML_Char namespace_separator) {
    static const XML_Memory_Handling_Suite suite = {shim_expat_malloc, shim_expat_realloc, shim_expat_free};
    const XML_Char separator[2] = {namespace_separator, 0};
    return XML_ParserCreate_MM("UTF-8", &suite, separator);
}

static inline size_t shim_expat_bytes_in_use(void) { return shim_expat_counters()[0]; }
static inline size_t shim_expat_peak_bytes(void) { return shim_expat_counters()[1]; }
static inline void shim_expat_reset_peak(void) { shim_expat_counters()[1] = shim_expat_counters()[0]; }
#endif
