/*
 * tests/fuzz/fuzz.h: what the libFuzzer targets share. A broken promise is a
 * crash (abort), which libFuzzer reports with the input that caused it.
 */
#ifndef TERMINUS_FUZZ_H
#define TERMINUS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <terminus.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed\n", __FILE__, __LINE__, #cond);          \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* A code terminus knows, and after a failure a record of it with a message. */
static inline void fuzz_check_code(int rc)
{
    const terminus_error *e = terminus_error_last();

    FUZZ_CHECK(rc <= 0 && rc >= TERMINUS_E_LAST);
    FUZZ_CHECK(e != NULL && e->message != NULL);
    if (rc != TERMINUS_OK) {
        FUZZ_CHECK(e->code == rc);
        FUZZ_CHECK(e->message[0] != '\0');
    }
}

/* The input as a NUL-terminated string, in a buffer of exactly size + 1
 * bytes (so that ASan sees any read past it); free() it. */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    FUZZ_CHECK(s != NULL);
    if (size > 0)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* Whether s holds a byte that makes
 * a name invalid everywhere: a control character, DEL, or (spaces) a space. */
static inline int fuzz_has_bad_byte(const char *s, int spaces)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7F || (spaces && c == ' '))
            return 1;
    }
    return 0;
}

#endif
