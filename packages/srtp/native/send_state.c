/*
 * The per-copy send tail of the native fan-out: the pacer's fast path, the transport-wide number
 * and the send history, and where the transport sends (its seal and address, for the send
 * batch's table), from the subscriber transport's send state (one Float64Array that
 * TypeScript owns and registers here). Only the case that needs no decision is done here: the
 * pacer has nothing queued and no probe under way, and lets the packet out at once. Everything
 * else goes back to the TypeScript path, which holds the rules;
 * this file repeats only their arithmetic, and the tests check both send the same.
 *
 * Layouts: packages/server/src/media/sfu/sendState.ts (SEND_STATE), Pacer.ts (PACER_STATE, and
 * Pacer.send's fast path), SubscriberBandwidth.sendNow, packages/wire/src/bwe/SendHistory.ts.
 */
#include "send_state.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "id_registry.h"

/* SEND_STATE, with PACER_STATE from its start */
#define S_RATE 0
#define S_DEBT 1
#define S_LAST_DRAIN_MS 2
#define S_QUEUED 3
#define S_PROBE_CLUSTER 4
#define S_CLOSED 5
#define S_OFFERED_BYTES 6
#define S_TRANSPORT_CC_ID 7
#define S_SEAL_OVERHEAD 8
#define S_SEAL_ID 9
#define S_IP4 10
#define S_PORT 11
#define S_HISTORY 12
/* SEND_HISTORY_STATE */
#define H_NEXT 0
#define H_START 1
#define H_ENTRIES 2
/* Pacer.ts BURST_MS; SubscriberBandwidth.ts SRTP_TAG; SendHistory.ts's packing of an entry */
#define BURST_MS 20
#define SRTP_TAG 16
#define SIZE_SPAN 65536.0
#define CLUSTER_BIAS 0x8000

typedef struct {
  double *state;
  uint32_t history_mask;
  napi_ref ref;
} SendState;

/* When the environment goes, its references go with it: only the entries are left to free. */
static _Thread_local EnvRegistry states = {NULL, free};

/*
 * rtpExtensions.ts, for a packet with the X bit and its block's 4-byte header within `len`:
 * findRtpExtension's element `id` (1-14) if it has 2 bytes or more (its data's offset), else -1.
 */
static int find_extension(const uint8_t *buf, int start, int end, int form, int id) {
  int i = start + 4;
  while (i < end) {
    int element, length, data;
    if (form == 1) {
      element = buf[i] >> 4;
      if (element == 0) {
        i++;
        continue;
      }
      if (element == 15) return -1;
      length = (buf[i] & 0x0f) + 1;
      data = i + 1;
    } else {
      element = buf[i];
      if (element == 0) {
        i++;
        continue;
      }
      if (i + 2 > end) return -1;
      length = buf[i + 1];
      data = i + 2;
    }
    if (data + length > end) return -1;
    if (element == id) return length >= 2 ? data : -1;
    i = data + length;
  }
  return -1;
}

/* rtpExtensions.ts elementsEnd: the offset just past the last element of [from, end), -1 if malformed. */
static int elements_end(const uint8_t *buf, int from, int end, int form) {
  int i = from, last = from;
  while (i < end) {
    if (buf[i] == 0) {
      i++;
      continue;
    }
    int length;
    if (form == 1) {
      if (buf[i] >> 4 == 15) return -1;
      length = 1 + (buf[i] & 0x0f) + 1;
    } else {
      if (i + 2 > end) return -1;
      length = 2 + buf[i + 1];
    }
    if (i + length > end) return -1;
    i += length;
    last = i;
  }
  return last;
}

/*
 * rtpExtensions.ts stampTransportCcSeq: writes `seq` under one-byte id `id` into `buf[0, len)`,
 * overwriting the element or adding it (a new block, or one more word in the block, moving the
 * payload up; `buf` has 8 spare bytes). The new length, or -1 (left untouched: TypeScript decides).
 */
static int stamp_transport_cc(uint8_t *buf, int len, int id, uint32_t seq) {
  int start = 12 + (buf[0] & 0x0f) * 4;
  if (!(buf[0] & 0x10)) {
    if (start > len) return -1;
    memmove(buf + start + 8, buf + start, (size_t)(len - start));
    buf[0] |= 0x10;
    const uint8_t block[8] = {0xbe, 0xde, 0, 1, (uint8_t)(id << 4 | 1), (uint8_t)(seq >> 8), (uint8_t)seq, 0};
    memcpy(buf + start, block, sizeof block);
    return len + 8;
  }
  if (start + 4 > len) return -1;
  int profile = (buf[start] << 8) | buf[start + 1];
  int form = profile == 0xbede ? 1 : profile >> 4 == 0x100 ? 2 : 0;
  if (form == 0) return -1;
  int end = start + 4 + ((buf[start + 2] << 8) | buf[start + 3]) * 4;
  if (end > len) return -1;
  int at = find_extension(buf, start, end, form, id);
  if (at >= 0) {
    buf[at] = (uint8_t)(seq >> 8);
    buf[at + 1] = (uint8_t)seq;
    return len;
  }
  int used = elements_end(buf, start + 4, end, form);
  if (used < 0) return -1;
  if (used + (form == 1 ? 3 : 4) > end) {
    memmove(buf + end + 4, buf + end, (size_t)(len - end));
    memset(buf + end, 0, 4);
    int words = ((buf[start + 2] << 8) | buf[start + 3]) + 1;
    buf[start + 2] = (uint8_t)(words >> 8);
    buf[start + 3] = (uint8_t)words;
    len += 4;
  }
  if (form == 1) {
    buf[used] = (uint8_t)(id << 4 | 1);
  } else {
    buf[used] = (uint8_t)id;
    buf[++used] = 2;
  }
  buf[used + 1] = (uint8_t)(seq >> 8);
  buf[used + 2] = (uint8_t)seq;
  return len;
}

/* Where the send history records the next packet: two doubles (SendHistory.ts). */
static double *next_history_entry(const SendState *entry) {
  double *history = entry->state + S_HISTORY;
  return history + H_ENTRIES + ((uint32_t)history[H_NEXT] & entry->history_mask) * 2;
}

void send_state_prefetch(int32_t id, int stage) {
  SendState *entry = id_registry_get(states.registry, id);
  if (entry == NULL) return;
  if (stage == 0) {
    __builtin_prefetch(entry);
    return;
  }
  double *s = entry->state;
  if (stage == 1) {
    /* S_RATE .. S_HISTORY + H_START: 14 doubles, over two or three lines. */
    __builtin_prefetch(s);
    __builtin_prefetch(s + 7);
    __builtin_prefetch(s + S_HISTORY + H_START);
    return;
  }
  __builtin_prefetch(next_history_entry(entry), 1);
}

int send_state_take(int32_t id, uint8_t *slot, int len, bool paced, double now_ms, SendTarget *target) {
  SendState *entry = id_registry_get(states.registry, id);
  if (entry == NULL) return 0;
  double *s = entry->state;
  if (s[S_CLOSED] != 0 || s[S_PROBE_CLUSTER] >= 0) return 0;
  /* Pacer.send: out at once with no rate and nothing queued; else what drain() leaves must be within the burst. */
  double debt = s[S_DEBT], last_drain_ms = s[S_LAST_DRAIN_MS];
  bool owes = true;
  if (paced) {
    if (s[S_QUEUED] != 0) return 0;
    double rate = s[S_RATE];
    if (rate == INFINITY) {
      owes = false;
    } else {
      double elapsed = now_ms - last_drain_ms;
      last_drain_ms = now_ms;
      if (elapsed > 0) debt -= (elapsed * rate) / 8000;
      if (!(debt > 0)) debt = 0;
      if (!(debt <= (rate * BURST_MS) / 8000)) return 0;
    }
  }
  /* SubscriberBandwidth.sendNow: numbered and recorded, with the tag the seal adds. */
  int n = len;
  int transport_cc_id = (int)s[S_TRANSPORT_CC_ID];
  if (transport_cc_id > 0) {
    double *history = s + S_HISTORY;
    double next = history[H_NEXT];
    n = stamp_transport_cc(slot, len, transport_cc_id, ((uint32_t)history[H_START] + (uint32_t)next) & 0xffff);
    if (n < 0) return 0;
    double *at = next_history_entry(entry);
    int size = n + SRTP_TAG;
    at[0] = now_ms;
    /* Media: cluster -1, state Pending (0). */
    at[1] = (size > 0xffff ? 0xffff : size) + (double)(CLUSTER_BIAS - 1) * SIZE_SPAN;
    history[H_NEXT] = next + 1;
  }
  s[S_OFFERED_BYTES] += len;
  s[S_LAST_DRAIN_MS] = last_drain_ms;
  s[S_DEBT] = owes ? debt + (n + s[S_SEAL_OVERHEAD]) : debt;
  /* SfuSubscribeTransport.updateSendTarget: a seal id only with a UDP path (an IPv4 address, int32, and port). */
  target->seal_id = s[S_SEAL_ID] >= 0 ? (int32_t)s[S_SEAL_ID] : -1;
  target->ip4 = (int32_t)s[S_IP4];
  target->port = (int32_t)s[S_PORT];
  return n;
}

static void free_entry(napi_env env, SendState *entry) {
  napi_delete_reference(env, entry->ref);
  free(entry);
}

static napi_value int_value(napi_env env, int32_t v) {
  napi_value result;
  napi_create_int32(env, v, &result);
  return result;
}

/*
 * registerSendState(state: Float64Array, historyCapacity): the id fan-out rows name it by, or -1
 * (malformed, or the registry is full). The array is held until unregisterSendState.
 */
static napi_value js_register_send_state(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  size_t argc = 2;
  napi_typedarray_type type;
  size_t length;
  void *data;
  int32_t capacity;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) return int_value(env, -1);
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL) != napi_ok || type != napi_float64_array || data == NULL)
    return int_value(env, -1);
  if (napi_get_value_int32(env, argv[1], &capacity) != napi_ok || capacity < 16 || (capacity & (capacity - 1)) != 0) return int_value(env, -1);
  if (length < (size_t)S_HISTORY + H_ENTRIES + 2 * (size_t)capacity) return int_value(env, -1);
  SendState *entry = malloc(sizeof *entry);
  if (entry == NULL) return int_value(env, -1);
  entry->state = data;
  entry->history_mask = (uint32_t)capacity - 1;
  if (napi_create_reference(env, argv[0], 1, &entry->ref) != napi_ok) {
    free(entry);
    return int_value(env, -1);
  }
  int32_t id = id_registry_add(states.registry, entry);
  if (id < 0) free_entry(env, entry);
  return int_value(env, id);
}

/* unregisterSendState(id): rows naming it go back to TypeScript; the array is let go. */
static napi_value js_unregister_send_state(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc = 1;
  int32_t id;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) return NULL;
  if (napi_get_value_int32(env, argv[0], &id) != napi_ok) return NULL;
  SendState *entry = id_registry_get(states.registry, id);
  if (entry != NULL && id_registry_remove(states.registry, id, entry)) free_entry(env, entry);
  return NULL;
}

napi_status register_send_state(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"registerSendState", NULL, js_register_send_state, NULL, NULL, NULL, napi_default, NULL},
      {"unregisterSendState", NULL, js_unregister_send_state, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_status status = napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return status != napi_ok ? status : id_registry_open(env, &states);
}
