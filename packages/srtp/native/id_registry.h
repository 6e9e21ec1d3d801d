#ifndef CONFAB_ID_REGISTRY_H
#define CONFAB_ID_REGISTRY_H

#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Entries named by id (slot | generation << 16) rather than by pointer, for what JavaScript names
 * in shared tables (send-table entries, fan-out rows): an entry removed before its id is used again
 * leaves an id that no longer matches, and the lookup finds nothing rather than freed memory or
 * another entry. One registry per thread and use: every call of one N-API environment runs on its
 * thread, finalizers included.
 */
typedef struct {
  void **slots;
  uint16_t *generations;
  int32_t *free_slots;
  int32_t capacity;
  int32_t free_count;
  int32_t used;
} IdRegistry;

/* A thread's registry for one N-API environment's life, and what to do with each entry left at its end. */
typedef struct {
  IdRegistry *registry;
  void (*each)(void *entry);
} EnvRegistry;

/* Creates `owner`'s registry if it has none, to be freed (after `each` on every entry) when `env` goes. */
napi_status id_registry_open(napi_env env, EnvRegistry *owner);

/* The entry's id, or -1 when the registry is full (65,536 entries). */
int32_t id_registry_add(IdRegistry *r, void *entry);
/* Removes the entry `id` names if it is `entry`; false if it does not. */
int id_registry_remove(IdRegistry *r, int32_t id, const void *entry);

/* The entry `id` names, or NULL. */
static inline void *id_registry_get(const IdRegistry *r, int32_t id) {
  if (id < 0 || r == NULL) return NULL;
  int32_t slot = id & 0xffff;
  if (slot >= r->used || r->generations[slot] != (uint32_t)id >> 16) return NULL;
  return r->slots[slot];
}

#endif
