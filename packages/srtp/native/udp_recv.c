/*
 * Batched UDP receive with kernel arrival times. Stamping a packet in JavaScript when the thread
 * gets round to reading the socket gives every packet that queued meanwhile the same time, and
 * transport-cc feedback built from that makes senders' delay estimators reject their probes.
 * Here a uv_poll on the socket wakes us; recvmmsg(2) reads up to `capacity` datagrams into fixed
 * slots of memory JavaScript owns, each with its SO_TIMESTAMPNS kernel receive time, and
 * JavaScript is called once per batch with the count. Nothing is allocated per packet or batch.
 *
 * A group receives for many sockets at once (a load generator's subscribers, one socket each, as
 * browsers have): their fds sit in one epoll set behind one uv_poll, and a wake-up reads every
 * ready socket into the slots and calls JavaScript once with all their datagrams, each with its
 * socket's member id, instead of once per socket. A group may instead be read on a clock (every
 * `clockMs`), with nothing watching its epoll set: then a datagram wakes no one. On loopback the
 * sender pays for waking its reader (the receiver's socket wake-up, an interrupt to the other CPU
 * on a virtual machine), so a load generator that sleeps until each packet comes charges the
 * server it measures for work that receivers on other machines would do on theirs.
 * Linux only; elsewhere startReceive is not exported and the caller keeps dgram.
 */
#ifdef __linux__
#define _GNU_SOURCE
#include "tagged_external.h"
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

/* Tags the receiver handle: stopReceive acts only on what startReceive made. */
static const napi_type_tag RECEIVER_TAG = {0x636f6e6661622d75ULL, 0x64702d7265637621ULL};
#endif

#include <node_api.h>

#include "udp_recv.h"

#ifdef __linux__

/* Fields per datagram in the table JavaScript reads: length (0: truncated), IPv4 (host order), port; a group's add the member id. */
#define FIELDS 3
#define GROUP_FIELDS 4
/* Ready sockets a group takes from its epoll set per call. */
#define GROUP_EVENTS 64
/* recvmmsg rounds per wake-up: the poll is level-triggered, so a flood still yields to timers. */
#define MAX_ROUNDS 8
#define CONTROL_SIZE CMSG_SPACE(sizeof(struct timespec))

typedef struct {
  napi_env env;
  uv_poll_t poll;   /* wakes us when fd is readable (clock_ms 0) ... */
  uv_timer_t timer; /* ... or reads fd every clock_ms */
  int clock_ms;
  int fd;        /* the socket, or a group's epoll set */
  int group;     /* 1: fd is an epoll set of member sockets */
  int fields;    /* FIELDS, or GROUP_FIELDS */
  int capacity;
  size_t slot_size;
  uint8_t *memory;
  int32_t *table;
  double *stamps;
  napi_ref refs[4]; /* memory, table, stamps, callback: kept alive while we write into them */
  napi_async_context async;
  napi_async_cleanup_hook_handle cleanup;
  struct mmsghdr *msgs;
  struct iovec *iov;
  struct sockaddr_in *addrs;
  uint8_t *control;
  int stopped;   /* no more callbacks */
  int closed;    /* the poll handle is closed: nothing of ours is left on the loop */
  int finalized; /* JavaScript dropped its handle */
} receiver_t;

static void receiver_free(receiver_t *r) {
  free(r->msgs);
  free(r->iov);
  free(r->addrs);
  free(r->control);
  free(r);
}

static void on_closed(uv_handle_t *handle) {
  receiver_t *r = handle->data;
  if (r->group) close(r->fd);
  for (int i = 0; i < 4; i++) napi_delete_reference(r->env, r->refs[i]);
  napi_async_destroy(r->env, r->async);
  if (r->cleanup != NULL) napi_remove_async_cleanup_hook(r->cleanup);
  r->closed = 1;
  if (r->finalized) receiver_free(r);
}

static void receiver_stop(receiver_t *r) {
  if (r->stopped) return;
  r->stopped = 1;
  if (r->clock_ms > 0) {
    uv_timer_stop(&r->timer);
    uv_close((uv_handle_t *)&r->timer, on_closed);
  } else {
    uv_poll_stop(&r->poll);
    uv_close((uv_handle_t *)&r->poll, on_closed);
  }
}

/* Node is tearing the thread down: close the poll handle so its loop can close. */
static void on_env_cleanup(napi_async_cleanup_hook_handle handle, void *arg) {
  (void)handle;
  receiver_stop(arg);
}

static void on_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  receiver_t *r = data;
  r->finalized = 1;
  if (r->closed) receiver_free(r);
}

/* CLOCK_REALTIME now minus CLOCK_MONOTONIC now, in ns: maps kernel stamps to the monotonic clock. */
static int64_t realtime_offset_ns(void) {
  struct timespec rt, mono;
  clock_gettime(CLOCK_MONOTONIC, &mono);
  clock_gettime(CLOCK_REALTIME, &rt);
  return ((int64_t)rt.tv_sec - mono.tv_sec) * 1000000000 + ((int64_t)rt.tv_nsec - mono.tv_nsec);
}

static double monotonic_ms(void) {
  struct timespec mono;
  clock_gettime(CLOCK_MONOTONIC, &mono);
  return (double)mono.tv_sec * 1e3 + (double)mono.tv_nsec / 1e6;
}

/*
 * One recvmmsg from `fd` into the slots from `start` on; fills their table entries (with `member`
 * in a group's) and stamps. Returns the count, or 0 when none are waiting.
 */
static int receive_round(receiver_t *r, int fd, int start, int32_t member) {
  for (int i = start; i < r->capacity; i++) {
    r->msgs[i].msg_hdr.msg_namelen = sizeof r->addrs[i];
    r->msgs[i].msg_hdr.msg_controllen = CONTROL_SIZE;
    r->msgs[i].msg_hdr.msg_flags = 0;
  }
  int n;
  do {
    n = recvmmsg(fd, r->msgs + start, (unsigned)(r->capacity - start), MSG_DONTWAIT, NULL);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return 0;
  int64_t offset_ns = realtime_offset_ns();
  double fallback_ms = monotonic_ms();
  for (int i = start; i < start + n; i++) {
    struct msghdr *h = &r->msgs[i].msg_hdr;
    int32_t *e = r->table + (size_t)i * (size_t)r->fields;
    int whole = (h->msg_flags & MSG_TRUNC) == 0 && h->msg_namelen >= sizeof(struct sockaddr_in) && r->addrs[i].sin_family == AF_INET;
    e[0] = whole ? (int32_t)r->msgs[i].msg_len : 0;
    e[1] = (int32_t)ntohl(r->addrs[i].sin_addr.s_addr);
    e[2] = ntohs(r->addrs[i].sin_port);
    if (r->group) e[3] = member;
    r->stamps[i] = fallback_ms;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR(h, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS) continue;
      struct timespec ts;
      memcpy(&ts, CMSG_DATA(c), sizeof ts);
      int64_t mono_ns = ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec) - offset_ns;
      r->stamps[i] = (double)mono_ns / 1e6;
    }
  }
  return n;
}

/* Calls onBatch(count); false if it threw (then reported as uncaught). In an open handle scope. */
static int deliver(receiver_t *r, napi_value callback, napi_value resource, int n) {
  napi_value count;
  napi_create_int32(r->env, n, &count);
  /* make_callback, not call_function: the microtasks and nextTicks the batch queued run after it. */
  if (napi_make_callback(r->env, r->async, resource, callback, 1, &count, NULL) == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(r->env, &err);
    napi_fatal_exception(r->env, err);
    return 0;
  }
  return 1;
}

/* Clears a socket's pending error (an ICMP port unreachable, say), which would keep it ready. */
static void clear_socket_error(int fd) {
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
}

/*
 * A group's wake-up: every ready member is read into the slots, and JavaScript called when they
 * are full and at the end. After a call, the ready list is asked for again: JavaScript may have
 * removed (and closed) a member that was on it.
 */
static void receive_group(receiver_t *r, napi_value callback, napi_value resource) {
  struct epoll_event events[GROUP_EVENTS];
  int count = 0;
  for (int round = 0; round < MAX_ROUNDS && !r->stopped; round++) {
    int ready;
    do {
      ready = epoll_wait(r->fd, events, GROUP_EVENTS, 0);
    } while (ready < 0 && errno == EINTR);
    if (ready <= 0) break;
    int delivered = 0;
    for (int k = 0; k < ready && !delivered; k++) {
      int fd = (int)(uint32_t)events[k].data.u64;
      int32_t member = (int32_t)(events[k].data.u64 >> 32);
      if (events[k].events & EPOLLERR) clear_socket_error(fd);
      count += receive_round(r, fd, count, member);
      if (count == r->capacity) {
        if (!deliver(r, callback, resource, count)) return;
        count = 0;
        delivered = 1;
      }
    }
    if (!delivered && ready < GROUP_EVENTS) break;
  }
  if (count > 0 && !r->stopped) deliver(r, callback, resource, count);
}

/* Reads what is waiting (every ready member, for a group) and hands it to JavaScript. */
static void read_waiting(receiver_t *r) {
  napi_env env = r->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback, resource;
  napi_get_reference_value(env, r->refs[3], &callback);
  napi_get_global(env, &resource);
  if (r->group) {
    receive_group(r, callback, resource);
  } else {
    for (int round = 0; round < MAX_ROUNDS && !r->stopped; round++) {
      int n = receive_round(r, r->fd, 0, 0);
      if (n == 0 || !deliver(r, callback, resource, n) || n < r->capacity) break;
    }
  }
  napi_close_handle_scope(env, scope);
}

static void on_readable(uv_poll_t *poll, int status, int events) {
  (void)events;
  receiver_t *r = poll->data;
  if (r->stopped) return;
  if (status < 0) {
    /* A socket error (libuv stops the poll on POLLERR): clear it and keep receiving. */
    if (!r->group) clear_socket_error(r->fd);
    uv_poll_start(&r->poll, UV_READABLE, on_readable);
    return;
  }
  read_waiting(r);
}

static void on_clock(uv_timer_t *timer) {
  receiver_t *r = timer->data;
  if (!r->stopped) read_waiting(r);
}

static int typed(napi_env env, napi_value v, napi_typedarray_type want, size_t *len, void **data) {
  napi_typedarray_type type;
  return napi_get_typedarray_info(env, v, &type, len, data, NULL, NULL) == napi_ok && type == want && *data != NULL;
}

/*
 * A receiver reading `fd` (a socket, or a group's epoll set) into `args`: memory, slotSize, table,
 * stamps, onBatch (startReceive's); when it is readable, or every `clock_ms` if that is > 0.
 * Throws (NULL) if they are bad or the fd cannot be polled.
 */
static napi_value start_receiver(napi_env env, int fd, int group, int clock_ms, napi_value *args) {
  int32_t slot_size = 0;
  size_t mem_len = 0, table_len = 0, stamps_len = 0;
  void *mem = NULL, *table = NULL, *stamps = NULL;
  napi_valuetype cb_type;
  int fields = group ? GROUP_FIELDS : FIELDS;
  if (napi_get_value_int32(env, args[1], &slot_size) != napi_ok || slot_size <= 0 || !typed(env, args[0], napi_uint8_array, &mem_len, &mem) ||
      !typed(env, args[2], napi_int32_array, &table_len, &table) || !typed(env, args[3], napi_float64_array, &stamps_len, &stamps) ||
      napi_typeof(env, args[4], &cb_type) != napi_ok || cb_type != napi_function) {
    napi_throw_type_error(env, NULL, "startReceive: bad arguments");
    return NULL;
  }
  size_t capacity = mem_len / (size_t)slot_size;
  if (capacity > table_len / (size_t)fields) capacity = table_len / (size_t)fields;
  if (capacity > stamps_len) capacity = stamps_len;
  if (capacity > 1024) capacity = 1024; /* UIO_MAXIOV: the kernel's cap per recvmmsg */
  if (capacity == 0) {
    napi_throw_range_error(env, NULL, "startReceive: no room for one datagram");
    return NULL;
  }

  receiver_t *r = calloc(1, sizeof *r);
  if (r != NULL) {
    r->msgs = calloc(capacity, sizeof *r->msgs);
    r->iov = calloc(capacity, sizeof *r->iov);
    r->addrs = calloc(capacity, sizeof *r->addrs);
    r->control = calloc(capacity, CONTROL_SIZE);
  }
  if (r == NULL || r->msgs == NULL || r->iov == NULL || r->addrs == NULL || r->control == NULL) {
    if (r != NULL) receiver_free(r);
    napi_throw_error(env, NULL, "startReceive: out of memory");
    return NULL;
  }
  r->env = env;
  r->fd = fd;
  r->group = group;
  r->fields = fields;
  r->capacity = (int)capacity;
  r->slot_size = (size_t)slot_size;
  r->memory = mem;
  r->table = table;
  r->stamps = stamps;
  for (size_t i = 0; i < capacity; i++) {
    r->iov[i].iov_base = r->memory + i * r->slot_size;
    r->iov[i].iov_len = r->slot_size;
    r->msgs[i].msg_hdr.msg_name = &r->addrs[i];
    r->msgs[i].msg_hdr.msg_iov = &r->iov[i];
    r->msgs[i].msg_hdr.msg_iovlen = 1;
    r->msgs[i].msg_hdr.msg_control = r->control + i * CONTROL_SIZE;
  }

  uv_loop_t *loop = NULL;
  r->clock_ms = clock_ms;
  int init = napi_get_uv_event_loop(env, &loop) != napi_ok ? -1 : clock_ms > 0 ? uv_timer_init(loop, &r->timer) : uv_poll_init(loop, &r->poll, fd);
  if (init != 0) {
    receiver_free(r);
    napi_throw_error(env, NULL, "startReceive: cannot poll the socket (is something else reading it?)");
    return NULL;
  }
  r->poll.data = r;
  r->timer.data = r;
  napi_value name, handle;
  napi_create_string_utf8(env, "confab:udpReceive", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &r->async);
  napi_create_reference(env, args[0], 1, &r->refs[0]);
  napi_create_reference(env, args[2], 1, &r->refs[1]);
  napi_create_reference(env, args[3], 1, &r->refs[2]);
  napi_create_reference(env, args[4], 1, &r->refs[3]);
  napi_add_async_cleanup_hook(env, on_env_cleanup, r, &r->cleanup);
  napi_create_external(env, r, on_finalize, NULL, &handle);
  napi_type_tag_object(env, handle, &RECEIVER_TAG);
  int started = clock_ms > 0 ? uv_timer_start(&r->timer, on_clock, (uint64_t)clock_ms, (uint64_t)clock_ms) : uv_poll_start(&r->poll, UV_READABLE, on_readable);
  if (started != 0) {
    receiver_stop(r);
    napi_throw_error(env, NULL, "startReceive: cannot start polling");
    return NULL;
  }
  return handle;
}

/* Kernel receive times on `fd`; false if the socket refused them. */
static int timestamped(int fd) {
  int on = 1;
  return setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) == 0;
}

/*
 * startReceive(fd, memory: Uint8Array, slotSize, table: Int32Array, stamps: Float64Array,
 * onBatch: (count) => void) -> handle. Datagram i of a batch is in memory[i*slotSize ..], with
 * table[i*3 .. i*3+2] = length (0 if it did not fit its slot), IPv4 address (host order), port,
 * and stamps[i] = kernel receive time on CLOCK_MONOTONIC, in ms. The slots are reused by the next
 * batch: onBatch must be done with them when it returns. Throws if the socket cannot be polled.
 */
static napi_value js_start_receive(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  size_t argc = 6;
  int32_t fd = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 6 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "startReceive(fd, memory, slotSize, table, stamps, onBatch)");
    return NULL;
  }
  if (!timestamped(fd)) {
    napi_throw_error(env, NULL, "startReceive: SO_TIMESTAMPNS refused");
    return NULL;
  }
  return start_receiver(env, fd, 0, 0, argv + 1);
}

/*
 * startReceiveGroup(memory, slotSize, table, stamps, onBatch, clockMs = 0) -> handle: startReceive's
 * batches for the sockets added to the group (addToReceiveGroup), table entries of 4 fields: the
 * fourth is the datagram's socket's member id. With clockMs > 0 (at most 1000) the ready sockets
 * are read every clockMs instead of when one becomes readable. stopReceive ends it.
 */
static napi_value js_start_receive_group(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  size_t argc = 6;
  int32_t clock_ms = 0;
  napi_valuetype clock_type = napi_undefined;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 5 ||
      (argc > 5 && (napi_typeof(env, argv[5], &clock_type) != napi_ok ||
                    (clock_type != napi_undefined && (napi_get_value_int32(env, argv[5], &clock_ms) != napi_ok || clock_ms < 0 || clock_ms > 1000))))) {
    napi_throw_type_error(env, NULL, "startReceiveGroup(memory, slotSize, table, stamps, onBatch, clockMs?)");
    return NULL;
  }
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) {
    napi_throw_error(env, NULL, "startReceiveGroup: epoll_create1 failed");
    return NULL;
  }
  napi_value handle = start_receiver(env, epfd, 1, clock_ms, argv);
  if (handle == NULL) close(epfd);
  return handle;
}

/* The group a handle names (NULL: not a running group), from argv[0]. */
static receiver_t *group_of(napi_env env, napi_value v) {
  receiver_t *r = tagged_external(env, v, &RECEIVER_TAG);
  return r != NULL && r->group && !r->stopped ? r : NULL;
}

static napi_value boolean(napi_env env, int v) {
  napi_value result;
  napi_get_boolean(env, v != 0, &result);
  return result;
}

/* addToReceiveGroup(handle, fd, member: int32) -> boolean: the socket's datagrams come in the group's batches, as `member`'s. */
static napi_value js_add_to_receive_group(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  size_t argc = 3;
  int32_t fd = -1, member = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3) return boolean(env, 0);
  receiver_t *r = group_of(env, argv[0]);
  if (r == NULL || napi_get_value_int32(env, argv[1], &fd) != napi_ok || fd < 0 || napi_get_value_int32(env, argv[2], &member) != napi_ok) return boolean(env, 0);
  if (!timestamped(fd)) return boolean(env, 0);
  struct epoll_event event = {.events = EPOLLIN, .data.u64 = ((uint64_t)(uint32_t)member << 32) | (uint32_t)fd};
  return boolean(env, epoll_ctl(r->fd, EPOLL_CTL_ADD, fd, &event) == 0);
}

/* removeFromReceiveGroup(handle, fd): no datagram of it after this returns (do it before closing the socket). */
static napi_value js_remove_from_receive_group(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  size_t argc = 2;
  int32_t fd = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) return NULL;
  receiver_t *r = group_of(env, argv[0]);
  if (r != NULL && napi_get_value_int32(env, argv[1], &fd) == napi_ok && fd >= 0) epoll_ctl(r->fd, EPOLL_CTL_DEL, fd, NULL);
  return NULL;
}

/* stopReceive(handle): no callback after this returns; the socket itself stays open (the caller closes it). */
static napi_value js_stop_receive(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc = 1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc == 1) {
    void *receiver = tagged_external(env, argv[0], &RECEIVER_TAG);
    if (receiver != NULL) receiver_stop(receiver);
  }
  return NULL;
}

napi_status register_udp_recv(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"startReceive", NULL, js_start_receive, NULL, NULL, NULL, napi_default, NULL},
      {"stopReceive", NULL, js_stop_receive, NULL, NULL, NULL, napi_default, NULL},
      {"startReceiveGroup", NULL, js_start_receive_group, NULL, NULL, NULL, napi_default, NULL},
      {"addToReceiveGroup", NULL, js_add_to_receive_group, NULL, NULL, NULL, napi_default, NULL},
      {"removeFromReceiveGroup", NULL, js_remove_from_receive_group, NULL, NULL, NULL, napi_default, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}

#else

napi_status register_udp_recv(napi_env env, napi_value exports) {
  (void)env;
  (void)exports;
  return napi_ok;
}

#endif
