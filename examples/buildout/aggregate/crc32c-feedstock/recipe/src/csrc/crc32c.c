/* CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), one byte at a time from a table. */
#include <stddef.h>
#include <stdint.h>

static uint32_t table[256];
static int ready;

static void make_table(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    table[i] = c;
  }
  ready = 1;
}

uint32_t crc32c_extend(uint32_t crc, const unsigned char *data, size_t len) {
  if (!ready) make_table();
  crc = ~crc;
  for (size_t i = 0; i < len; i++) crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}
