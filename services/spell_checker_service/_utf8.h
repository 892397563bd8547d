/* A word's UTF-8 bytes, where each of its letters starts, and CRC-32 as zlib computes it
 * (zlib.crc32): for the compiled modules that look a word's pieces up by the CRC of their
 * UTF-8 bytes in tables Python built with zlib.crc32. Call crc_init() once, when the module
 * is imported. */
#ifndef HULEEDU_UTF8_H
#define HULEEDU_UTF8_H

#include <Python.h>
#include <stdint.h>

static uint32_t crc_table[256];

static void crc_init(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
}

/* zlib's crc32(bytes, crc): continuing a CRC over more bytes gives the CRC of the whole. */
static uint32_t crc_extend(uint32_t crc, const unsigned char *p, Py_ssize_t n) {
    crc = ~crc;
    while (n-- > 0) crc = crc_table[(crc ^ *p++) & 0xFFu] ^ (crc >> 8);
    return ~crc;
}

/* The word's UTF-8 bytes and where each of its letters starts (letters + 1 offsets: the last
 * is the size). The bytes are the str's own cached UTF-8; `starts` is the caller's to free
 * (PyMem_Free). */
typedef struct {
    const unsigned char *bytes;
    Py_ssize_t *starts;
    Py_ssize_t letters;
} Letters;

static int letters_of(PyObject *word, Letters *out) {
    Py_ssize_t size;
    const char *utf8 = PyUnicode_AsUTF8AndSize(word, &size);
    if (utf8 == NULL) return -1;
    Py_ssize_t letters = PyUnicode_GET_LENGTH(word);
    Py_ssize_t *starts = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(letters + 1));
    if (starts == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t letter = 0;
    for (Py_ssize_t i = 0; i < size; i++)
        if (((unsigned char)utf8[i] & 0xC0) != 0x80) starts[letter++] = i;
    starts[letters] = size;
    out->bytes = (const unsigned char *)utf8;
    out->starts = starts;
    out->letters = letters;
    return 0;
}

#endif
