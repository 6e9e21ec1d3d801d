#ifndef CONFAB_TCP_TIMEOUT_H
#define CONFAB_TCP_TIMEOUT_H

#include <node_api.h>

/* Adds setTcpUserTimeout to the addon's exports (on Linux; elsewhere nothing). */
napi_status register_tcp_timeout(napi_env env, napi_value exports);

#endif
