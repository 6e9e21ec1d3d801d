#ifndef CONFAB_UDP_RECV_H
#define CONFAB_UDP_RECV_H

#include <node_api.h>

/* Adds startReceive/stopReceive to the addon's exports (on Linux; elsewhere nothing). */
napi_status register_udp_recv(napi_env env, napi_value exports);

#endif
