#ifndef CONFAB_SEND_STATE_H
#define CONFAB_SEND_STATE_H

#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>

/* Where a subscriber transport sends now: its registered seal (-1: copies cannot be queued for the seal here) and address. */
typedef struct {
  int32_t seal_id;
  int32_t ip4;
  int32_t port;
} SendTarget;

/*
 * The send side of the subscriber transport `id` names (registerSendState), for the packet
 * `slot[0, len)` a fan-out row just wrote at `now_ms`: if the transport's pacer lets it leave at
 * once (`paced`: video, else audio), it is numbered (transport-wide-cc), recorded in the send
 * history and counted against the pacer's budget, `target` says where the transport sends, and
 * its new length is returned: it only needs protecting and sending. 0: TypeScript decides; the
 * state and the packet are as they were.
 */
int send_state_take(int32_t id, uint8_t *slot, int len, bool paced, double now_ms, SendTarget *target);

/*
 * Brings what send_state_take will read for `id` towards the cache, a few copies ahead, so that the
 * misses of many subscribers' states overlap instead of stalling one after another: `stage` 0 the
 * registry's entry, 1 the state's head (the entry should be in by then), 2 the history's next
 * entry (the head should be in). Never faults: an unknown id is skipped.
 */
void send_state_prefetch(int32_t id, int stage);

/* Adds registerSendState and unregisterSendState to the addon's exports. */
napi_status register_send_state(napi_env env, napi_value exports);

#endif
