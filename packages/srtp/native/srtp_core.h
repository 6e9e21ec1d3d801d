#ifndef CONFAB_SRTP_CORE_H
#define CONFAB_SRTP_CORE_H

#include <node_api.h>

/* Adds the SRTP contexts and per-packet transforms (createContext, sealRtp, ...) to the addon's exports. */
napi_status register_srtp_core(napi_env env, napi_value exports);

#endif
