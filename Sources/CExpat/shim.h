// Expat for Swift: version differences, and a counting allocator so the owner can report and bound
// the memory its parsers use.
#ifndef XMPP_RELAY_CEXPAT_SHIM_H
#define XMPP_RELAY_CEXPAT_SHIM_H
#include <expat.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/random.h>

// Expat >= 2.6 defers reparsing of large tokens, which delays events for small chunks.
// Turn it off where it exists so byte-at-a-time and all-at-once feeding behave the same.
static inline void shim_expat_disable_reparse_deferral(XML_Parser parser) {
#if XML_MAJOR_VERSION > 2 || (XML_MAJOR_VERSION == 2 && XML_MINOR_VERSION >= 6)
    XML_SetReparseDeferralEnabled(parser, XML_FALSE);
#else
    (void)parser;
#endif
}

// XML_TRUE/XML_FALSE are casts, which Swift cannot import.
static inline XML_Bool shim_expat_true(void) { return XML_TRUE; }
static inline XML_Bool shim_expat_false(void) { return XML_FALSE; }

// A random hash salt for Expat's attribute and name tables (hash flooding). 0 lets Expat pick its own.
static inline unsigned long shim_expat_random_salt(void) {
    unsigned long salt = 0;
    if (getrandom(&salt, sizeof salt, 0) != (ssize_t)sizeof salt) return 0;
    return salt;
}

// Byte accounting for every Expat parser on this thread (the relay runs one loop thread).
// Each block carries its size in a header, so free and realloc can subtract it.
// Swift must call these only from one source file: a static in a header exists once per translation unit.
static _Thread_local size_t shim_expat_bytes_in_use_value;
static _Thread_local size_t shim_expat_peak_bytes_value;

#define SHIM_EXPAT_HEADER 16

static inline void shim_expat_account(size_t added, size_t removed) {
    shim_expat_bytes_in_use_value += added;
    shim_expat_bytes_in_use_value -= removed;
    if (shim_expat_bytes_in_use_value > shim_expat_peak_bytes_value) {
        shim_expat_peak_bytes_value = shim_expat_bytes_in_use_value;
    }
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
    return XML_ParserCreate_MM("UTF-8", &suite, namespace_separator);
}

static inline size_t shim_expat_bytes_in_use(void) { return shim_expat_bytes_in_use_value; }
static inline size_t shim_expat_peak_bytes(void) { return shim_expat_peak_bytes_value; }
static inline void shim_expat_reset_peak(void) { shim_expat_peak_bytes_value = shim_expat_bytes_in_use_value; }
#endif
