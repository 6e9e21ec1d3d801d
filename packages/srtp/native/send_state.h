#ifndef CONFAB_SEND_STATE_H
#define CONFAB_SEND_STATE_H

#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * The send side of the subscriber transport `id` names (registerSendState), for the packet
 * `slot[0, len)` a fan-out row just wrote at `now_ms`: if the transport's pacer lets it leave at
 * once (`paced`: video, else audio), it is numbered (transport-wide-cc), recorded in the send
 * history and counted against the pacer's budget, and its new length returned: it only needs
 * protecting and sending. 0: TypeScript decides; the state and the packet are as they were.
 */
int send_state_take(int32_t id, uint8_t *slot, int len, bool paced, double now_ms);

/* Adds registerSendState and unregisterSendState to the addon's exports. */
napi_status register_send_state(napi_env env, napi_value exports);

#endif
