#ifndef CONFAB_RTP_FANOUT_H
#define CONFAB_RTP_FANOUT_H

#include <node_api.h>

/* Adds fanoutRtp to the addon's exports. */
napi_status register_rtp_fanout(napi_env env, napi_value exports);

#endif
