/*
 * TCP_USER_TIMEOUT for signaling sockets, which Node does not expose: the kernel closes a
 * connection whose sent data has stayed unacknowledged this long. With it the server learns that a
 * client's network vanished from the client's kernel not acknowledging the server's heartbeat, and
 * the client need not send heartbeats of its own (docs/protocol.md "Resume").
 * Linux only; elsewhere setTcpUserTimeout is not exported and the server keeps client heartbeats.
 */
#ifdef __linux__
#define _GNU_SOURCE
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <sys/socket.h>
#endif

#include <node_api.h>

#include "tcp_timeout.h"

#ifdef __linux__

/* setTcpUserTimeout(fd, ms) -> true if the socket took it. */
static napi_value js_set_tcp_user_timeout(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  size_t argc = 2;
  napi_value result;
  int32_t fd = -1;
  int32_t ms = -1;
  int ok = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc >= 2 &&
      napi_get_value_int32(env, argv[0], &fd) == napi_ok && napi_get_value_int32(env, argv[1], &ms) == napi_ok &&
      fd >= 0 && ms >= 0) {
    unsigned int timeout = (unsigned int)ms;
    ok = setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &timeout, sizeof timeout) == 0;
  }
  napi_get_boolean(env, ok, &result);
  return result;
}

napi_status register_tcp_timeout(napi_env env, napi_value exports) {
  napi_property_descriptor prop = {"setTcpUserTimeout", NULL, js_set_tcp_user_timeout, NULL, NULL, NULL, napi_default, NULL};
  return napi_define_properties(env, exports, 1, &prop);
}

#else

napi_status register_tcp_timeout(napi_env env, napi_value exports) {
  (void)env;
  (void)exports;
  return napi_ok;
}

#endif
