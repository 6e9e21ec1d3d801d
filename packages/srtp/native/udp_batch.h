#ifndef CONFAB_UDP_BATCH_H
#define CONFAB_UDP_BATCH_H

#include <node_api.h>

/* Adds sendBatch to the addon's exports (on Linux; elsewhere nothing). */
napi_status register_udp_batch(napi_env env, napi_value exports);

#endif
