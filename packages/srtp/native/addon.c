/* The addon's entry: each file of the native core adds its functions to the exports. */
#include <node_api.h>

#include "rtp_fanout.h"
#include "send_state.h"
#include "srtp_core.h"
#include "tcp_timeout.h"
#include "udp_batch.h"
#include "udp_recv.h"

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  if (register_srtp_core(env, exports) != napi_ok) return NULL;
  if (register_udp_batch(env, exports) != napi_ok) return NULL;
  if (register_udp_recv(env, exports) != napi_ok) return NULL;
  if (register_rtp_fanout(env, exports) != napi_ok) return NULL;
  if (register_send_state(env, exports) != napi_ok) return NULL;
  if (register_tcp_timeout(env, exports) != napi_ok) return NULL;
  return exports;
}
