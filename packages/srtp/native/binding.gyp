{
  "targets": [
    {
      "target_name": "confab_srtp",
      "sources": ["addon.c", "srtp_core.c", "udp_batch.c", "udp_recv.c", "rtp_fanout.c", "send_state.c", "id_registry.c", "tcp_timeout.c"],
      "defines": ["NAPI_VERSION=8", "OPENSSL_SUPPRESS_DEPRECATED"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"]
    }
  ]
}
