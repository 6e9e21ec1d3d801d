/*
 * Batched UDP sends for the media path: one sendmmsg(2) carries every packet a fan-out produced,
 * where socket.send() costs a libuv request, a JS->C++ transition and a syscall per packet.
 * JavaScript hands over the memory the packets sit in and a table of (offset, length, IPv4
 * address, port); each entry is checked against the memory's real size before it is used.
 * Linux only (sendmmsg); elsewhere sendBatch is not exported and the caller keeps socket.send().
 */
#ifdef __linux__
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#endif

#include <node_api.h>

#include "seal_table.h"
#include "udp_batch.h"

#ifdef __linux__

/* Entries per sendmmsg call; the kernel caps a call at UIO_MAXIOV (1024) anyway. */
#define CHUNK 64
#define FIELDS SEAL_TABLE_FIELDS

/*
 * sendBatch(fd, memory: Uint8Array, table: Int32Array, count) -> packets the kernel took.
 * table[i*6 .. i*6+5] = offset into memory, length, IPv4 address (host order, as int32), port,
 * and the SRTP seal still owed (seal_table.h), done here first.
 * A malformed entry, a full socket buffer or any other send error drops that packet only: UDP
 * media tolerates loss, and the count returned lets the caller account for it.
 */
static napi_value js_send_batch(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  size_t argc = 4;
  napi_value result;
  int32_t sent = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 4) goto done;
  int32_t fd = -1;
  int32_t count = 0;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) goto done;
  if (napi_get_value_int32(env, argv[3], &count) != napi_ok || count <= 0) goto done;
  napi_typedarray_type type;
  size_t mem_len = 0, table_len = 0;
  void *mem = NULL, *table_data = NULL;
  if (napi_get_typedarray_info(env, argv[1], &type, &mem_len, &mem, NULL, NULL) != napi_ok || type != napi_uint8_array || mem == NULL) goto done;
  if (napi_get_typedarray_info(env, argv[2], &type, &table_len, &table_data, NULL, NULL) != napi_ok || type != napi_int32_array || table_data == NULL) goto done;
  if ((size_t)count > table_len / FIELDS) count = (int32_t)(table_len / FIELDS);
  int32_t *table = table_data;
  seal_table_entries(mem, mem_len, table, 0, count);

  struct mmsghdr msgs[CHUNK];
  struct iovec iov[CHUNK];
  struct sockaddr_in addrs[CHUNK];
  int32_t i = 0;
  while (i < count) {
    int k = 0;
    for (; i < count && k < CHUNK; i++) {
      const int32_t *e = table + (size_t)i * FIELDS;
      int32_t offset = e[0], length = e[1], port = e[3];
      if (offset < 0 || length <= 0 || (size_t)offset + (size_t)length > mem_len || port <= 0 || port > 0xffff) continue;
      memset(&addrs[k], 0, sizeof addrs[k]);
      addrs[k].sin_family = AF_INET;
      addrs[k].sin_port = htons((uint16_t)port);
      addrs[k].sin_addr.s_addr = htonl((uint32_t)e[2]);
      iov[k].iov_base = (uint8_t *)mem + offset;
      iov[k].iov_len = (size_t)length;
      memset(&msgs[k], 0, sizeof msgs[k]);
      msgs[k].msg_hdr.msg_name = &addrs[k];
      msgs[k].msg_hdr.msg_namelen = sizeof addrs[k];
      msgs[k].msg_hdr.msg_iov = &iov[k];
      msgs[k].msg_hdr.msg_iovlen = 1;
      k++;
    }
    int done = 0;
    while (done < k) {
      int r = sendmmsg(fd, msgs + done, (unsigned)(k - done), MSG_DONTWAIT);
      if (r > 0) {
        sent += r;
        done += r;
      } else if (r < 0 && errno == EINTR) {
        continue;
      } else {
        done++; /* this packet failed (EAGAIN: buffer full; or the address refused): drop it alone */
      }
    }
  }
done:
  napi_create_int32(env, sent, &result);
  return result;
}

napi_status register_udp_batch(napi_env env, napi_value exports) {
  napi_property_descriptor prop = {"sendBatch", NULL, js_send_batch, NULL, NULL, NULL, napi_default, NULL};
  return napi_define_properties(env, exports, 1, &prop);
}

#else

napi_status register_udp_batch(napi_env env, napi_value exports) {
  (void)env;
  (void)exports;
  return napi_ok;
}

#endif
