/* CRC-32 as zlib computes it (zlib.crc32), for the compiled modules that look strings up by
 * the CRC of their UTF-8 bytes in tables Python built with zlib.crc32. Call crc_init() once,
 * when the module is imported. */
#ifndef HULEEDU_CRC32_H
#define HULEEDU_CRC32_H

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

#endif
