#ifndef CONFAB_SEAL_TABLE_H
#define CONFAB_SEAL_TABLE_H

#include <stddef.h>
#include <stdint.h>

/*
 * A send table's entry (udp_batch.c): offset into the memory, length, IPv4 address, port, then the
 * seal still owed: the registered context's id (-1: the packet is ready as it is) and the ROC.
 */
#define SEAL_TABLE_FIELDS 6
#define SEAL_TABLE_CIPHER 4
#define SEAL_TABLE_ROC 5

/*
 * Seals, in place, the RTP packet of each entry in [from, to) that still owes its seal, with its
 * context and ROC: the entry's length becomes the sealed length, and its cipher -1. An entry whose
 * context is gone, or whose packet is malformed, gets length 0 (the send drops it).
 */
void seal_table_entries(uint8_t *memory, size_t memory_len, int32_t *table, int32_t from, int32_t to);

#endif
